import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import Testing

/// `mode: allocation`: `shoal map` run from a batch job of two tasks on two nodes;
/// its workers are `srun` steps of that job, and scaling stops at the allocation.
@Suite(
  .serialized, .enabled(if: Integration.runs(missing: SlurmSandbox.unavailableReason)),
  .failsWithout(SlurmSandbox.unavailableReason))
struct SlurmAllocationTests {
  @Test func aMapInsideAnAllocationRunsOnItsStepsOnBothNodes() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let folder = try TemporaryDirectory.make("s14-alloc")
    let config = folder + "/clusters.yaml"
    try SlurmClusterHarness.yaml(["mode: allocation", "give_up_after: 10"])
      .write(toFile: config, atomically: true, encoding: .utf8)
    let script = """
      #!/bin/bash
      export SHOAL_STATE_DIR=\(folder)/state
      seq 8 | \(BuildProducts.shoal) map --cluster hpc --config \(config) --inputs - -- \
        sh -c 'echo $SLURM_JOB_ID.$SLURM_STEP_ID $SLURMD_NODENAME {}'
      echo "map status $?"
      """
    try script.write(toFile: folder + "/job.sh", atomically: true, encoding: .utf8)
    let submit = try slurm.run(
      "sbatch", ["--parsable", "-N", "2", "-n", "2", "-o", folder + "/job.out", folder + "/job.sh"])
    #expect(submit.status == 0, "\(submit.stderr)")
    let job = submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(await eventually(120, poll: .milliseconds(200)) { slurm.activeJobs().isEmpty })
    let output = (try? String(contentsOfFile: folder + "/job.out", encoding: .utf8)) ?? ""
    #expect(output.contains("map status 0"), "\(output)")
    let lines = output.split(separator: "\n").filter { $0.hasPrefix("\(job).") }
    #expect(lines.map { $0.split(separator: " ").last.map(String.init) } == (1...8).map { "\($0)" })
    #expect(Set(lines.map { String($0.split(separator: " ")[1]) }) == ["n1", "n2"], "\(output)")
    #expect(Set(lines.map { String($0.split(separator: " ")[0]) }).count == 2, "two srun steps")
  }

  @Test func allocationModeOutsideAJobIsRefusedWithTheFix() throws {
    let yaml = SlurmClusterHarness.yaml(["mode: allocation"])
    let config = try ShoalConfig.parse(yaml, file: "clusters.yaml", environment: [:])
    guard ProcessInfo.processInfo.environment["SLURM_JOB_ID"] == nil else { return }
    let check = ShoalConfig.checkBackend(
      try config.cluster(named: "hpc"), loader: SlurmClusterHarness.loader)
    let error = try #require(check.error)
    #expect(error.message.contains("SLURM_JOB_ID is not set"))
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.mode")
    #expect(error.hint?.contains("salloc") == true)
  }
}
