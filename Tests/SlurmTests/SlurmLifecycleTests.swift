import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import ShoalWire
import Testing

/// The cluster over time on a real Slurm: a walltime that runs out mid-run, a killed
/// `shoal` whose jobs the next one cancels, and the CLI (`up`, `ps`, `logs`,
/// `job-script`, `down`).
@Suite(
  .serialized, .enabled(if: Integration.runs(missing: SlurmSandbox.unavailableReason)),
  .failsWithout(SlurmSandbox.unavailableReason))
struct SlurmLifecycleTests {
  typealias H = SlurmClusterHarness

  /// One worker, a one-minute walltime, 80 s of work: the worker drains 10 s before
  /// the walltime (its `--lifetime`), the replacement job was submitted 10 s before
  /// that, and every task's result arrives once.
  @Test func aOneMinuteWalltimeExpiresMidRunWithNoTaskLost() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let log = H.Log()
    let runtime = try H.runtime(
      ["n_workers: 1", "walltime: \"00:01:00\"", "give_up_after: 5"], log: log)
    try await H.running(runtime) { endpoint in
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let count = 40
      let results = try await executor.map(
        (0..<count).map { TaskSpec.shell("sh", ["-c", "sleep 2; echo $SLURM_JOB_ID \($0)"]) })
      await executor.close()
      #expect(results.map(\.status) == Array(repeating: .succeeded, count: count))
      let lines = results.map { String(decoding: $0.output, as: UTF8.self).split(separator: " ") }
      #expect(lines.map { $0.last.map { String($0.dropLast()) } } == (0..<count).map { "\($0)" })
      let jobs = Set(lines.compactMap { $0.first.map(String.init) })
      #expect(jobs.count >= 2, "all tasks ran in jobs \(jobs)")
      #expect(log.contains("ahead of its walltime; submitting its replacement now"), "\(log.text)")
      // No job reached its walltime: the workers left before it.
      #expect(!slurm.jobs().contains { $0[2] == "TIMEOUT" }, "\(slurm.jobs())")
    }
  }

  /// `shoal up --detach`, `ps` with the jobs, `logs` of a worker, `job-script`; then
  /// the cluster process is SIGKILLed: its jobs stay in the queue until
  /// `shoal down` cancels them (and the next `shoal up` does the same).
  @Test func aKilledShoalLeavesNoJobBehindAfterDownOrTheNextStart() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let config = try TemporaryDirectory.write(
      H.yaml(["n_workers: 2", "give_up_after: 120", "walltime: \"00:05:00\""]))
    let state = try TemporaryDirectory.make("s14-state")
    let environment = ["SHOAL_STATE_DIR": state, "SLURM_CONF": slurm.conf]
    defer { _ = try? CommandRunner.shoal(["down", "hpc"], environment: environment) }
    let script = try CommandRunner.shoal(
      ["job-script", "hpc", "--config", config], environment: environment)
    #expect(script.status == 0, "\(script.stderr)")
    #expect(script.stdout.hasPrefix("#!/usr/bin/env bash\n#SBATCH --job-name=hpc-"))
    #expect(script.stdout.contains("#SBATCH --time=00:05:00\n"))
    #expect(script.stdout.contains(":SCHEDULER_PORT --name hpc-"))

    for round in 0..<2 {
      let up = try CommandRunner.shoal(
        ["up", "hpc", "--detach", "--config", config], environment: environment, timeout: 120)
      #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
      let jobs = slurm.activeJobs()
      #expect(
        jobs.count == 2 && jobs.allSatisfy { $0[5].hasPrefix("shoal;cluster=hpc;id=hpc-") },
        "\(jobs)")
      var ps = ""
      let shown = await eventually(20, poll: .milliseconds(500)) {
        ps = (try? CommandRunner.shoal(["ps", "hpc"], environment: environment))?.stdout ?? ""
        // Each running worker's deadline: walltime 5 min, margin 30 s.
        return ps.contains("job \(jobs[0][0]) on n") && ps.contains(", drains in 4m")
      }
      #expect(shown, "\(ps)")
      let worker = jobs[0][1]
      let logs = try CommandRunner.shoal(["logs", "hpc", worker], environment: environment)
      #expect(logs.status == 0 && logs.stdout.contains("shoal"), "\(logs.stdout)\(logs.stderr)")
      let upScript = try CommandRunner.shoal(
        ["job-script", "hpc", "--config", config], environment: environment)
      #expect(
        !upScript.stdout.contains("SCHEDULER_PORT"),
        "the script of a running cluster has its address")
      let record = try #require(StateFolder(root: state).record("hpc"))
      kill(record.pid, SIGKILL)
      #expect(await eventually(10) { kill(record.pid, 0) != 0 })
      // The jobs outlive their owner...
      #expect(slurm.activeJobs().count == 2)
      if round == 0 {
        // ... until `shoal down` cancels them,
        let down = try CommandRunner.shoal(["down", "hpc"], environment: environment)
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        #expect(await eventually(30) { slurm.activeJobs().isEmpty }, "\(slurm.activeJobs())")
      } else {
        // ... or until the next start of the cluster does.
        let old = Set(jobs.map { $0[0] })
        let again = try CommandRunner.shoal(
          ["up", "hpc", "--detach", "--config", config], environment: environment, timeout: 120)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(
          await eventually(30) { Set(slurm.activeJobs().map { $0[0] }).isDisjoint(with: old) })
        let down = try CommandRunner.shoal(["down", "hpc"], environment: environment)
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        #expect(await eventually(60) { slurm.activeJobs().isEmpty }, "\(slurm.activeJobs())")
      }
    }
  }
}
