import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import ShoalWire
import Testing

/// Whole clusters on a real Slurm (`SlurmSandbox`: two 1-CPU nodes): work through
/// the Executor, jobs watched with squeue, faults made with scancel and scontrol.
@Suite(
  .serialized, .enabled(if: Integration.runs(missing: SlurmSandbox.unavailableReason)),
  .failsWithout(SlurmSandbox.unavailableReason))
struct SlurmClusterTests {
  typealias H = SlurmClusterHarness

  @Test func aMapReturnsEveryResultOnceInOrderAndTasksSeeTheirJob() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let log = H.Log()
    let runtime = try H.runtime(["n_workers: 2", "give_up_after: 5"], log: log)
    try await H.running(runtime) { endpoint in
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let count = 12
      let results = try await executor.map(
        (0..<count).map {
          TaskSpec.shell("sh", ["-c", "echo $SLURM_JOB_ID $SLURMD_NODENAME \($0)"])
        })
      await executor.close()
      #expect(results.map(\.status) == Array(repeating: .succeeded, count: count))
      let lines = results.map { String(decoding: $0.output, as: UTF8.self).split(separator: " ") }
      #expect(lines.map { $0.last.map { String($0.dropLast()) } } == (0..<count).map { "\($0)" })
      let jobs = Set(lines.compactMap { $0.first.map(String.init) })
      let submitted = Set(slurm.activeJobs().map { $0[0] })
      #expect(!jobs.isEmpty && jobs.isSubset(of: submitted), "\(jobs) vs \(submitted)")
      #expect(Set(lines.map { String($0[1]) }).isSubset(of: ["n1", "n2"]))
    }
    #expect(await eventually(30) { slurm.activeJobs().isEmpty }, "\(slurm.activeJobs())")
  }

  @Test func adaptiveGoesFromZeroToTwoAndBackThroughTheQueue() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let log = H.Log()
    let runtime = try H.runtime(
      ["give_up_after: 5"],
      adapt: "{minimum: 0, maximum: 2, interval: 0.2, wait_count: 2, target_duration: 1}",
      log: log)
    try await H.running(runtime) { endpoint in
      #expect(slurm.activeJobs().isEmpty)
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let handles = executor.submit(
        (0..<16).map { TaskSpec.shell("sh", ["-c", "sleep 0.5; echo \($0)"]) })
      #expect(await eventually(60) { await H.connected(runtime) == 2 })
      #expect(slurm.activeJobs().count == 2)
      let results = try await executor.gather(handles)
      await executor.close()
      #expect(
        results.map { String(decoding: $0.output, as: UTF8.self) } == (0..<16).map { "\($0)\n" })
      let drained = await eventually(60) {
        let connected = await H.connected(runtime)
        return slurm.activeJobs().isEmpty && connected == 0
      }
      #expect(drained)
    }
  }

  @Test func jobsBeyondTheNodesWaitAsPendingWithTheirReason() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let log = H.Log()
    let runtime = try H.runtime(["n_workers: 0", "give_up_after: 5"], log: log)
    try await H.running(runtime) { _ in
      try await runtime.backend.scale(to: 3)
      #expect(await eventually(60) { await H.connected(runtime) == 2 })
      let pending = await eventually(30) {
        await runtime.status().workers.contains {
          $0.state == "launching" && ($0.location ?? "").contains("pending (Resources)")
        }
      }
      let workers = await runtime.status().workers
      #expect(pending, "\(workers)")
      // Still three asked: a queued job is requested, not missing.
      let asked = await runtime.backend.workers().filter { !$0.state.isFinal }.count
      #expect(asked == 3)
      #expect(slurm.activeJobs().filter { $0[2] == "PENDING" }.count == 1)
    }
  }

  @Test func anExternalScancelMidTaskLosesNoResult() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let log = H.Log()
    let runtime = try H.runtime(["n_workers: 2", "give_up_after: 5"], log: log)
    try await H.running(runtime) { endpoint in
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let count = 10
      let handles = executor.submit(
        (0..<count).map { TaskSpec.shell("sh", ["-c", "sleep 1; echo \($0)"]) })
      #expect(await eventually(30) { (await runtime.status().running) > 0 })
      let victim = try #require(slurm.activeJobs().first { $0[2] == "RUNNING" })
      try slurm.run("scancel", [victim[0]])
      let results = try await executor.gather(handles)
      await executor.close()
      #expect(
        results.map { String(decoding: $0.output, as: UTF8.self) } == (0..<count).map { "\($0)\n" })
      #expect(await eventually(30) { log.contains("job \(victim[0]) CANCELLED") }, "\(log.text)")
      #expect(await eventually(30) { await runtime.backend.workers().contains { $0.restarts > 0 } })
      #expect(await eventually(60) { await H.connected(runtime) == 2 })
    }
  }

  @Test func aBadPrologueIsNamedWithItsOutputAndResubmittedWithBackoff() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let log = H.Log()
    let runtime = try H.runtime(
      ["n_workers: 0", "job_script_prologue: [\"echo s14-prologue-broken >&2\", \"exit 3\"]"],
      log: log)
    try await H.running(runtime) { _ in
      try await runtime.backend.scale(to: 1)
      #expect(
        await eventually(60) {
          await runtime.backend.workers().contains { $0.restarts >= 2 }
        }, "\(log.text)")
      #expect(log.contains("FAILED (NonZeroExitCode)"), "\(log.text)")
      #expect(log.contains("s14-prologue-broken"), "\(log.text)")
      #expect(log.contains("resubmitting in"), "\(log.text)")
    }
    #expect(await eventually(30) { slurm.activeJobs().isEmpty })
  }

  @Test func aNodeSetDownHasItsJobReplacedAndItsTaskRerun() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let log = H.Log()
    let runtime = try H.runtime(["n_workers: 1", "give_up_after: 5"], log: log)
    try await H.running(runtime) { endpoint in
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let handle = executor.submit(TaskSpec.shell("sh", ["-c", "sleep 6; echo $SLURMD_NODENAME"]))
      #expect(await eventually(30) { (await runtime.status().running) == 1 })
      let job = try #require(slurm.activeJobs().first { $0[2] == "RUNNING" })
      try slurm.run("scontrol", ["update", "nodename=\(job[4])", "state=down", "reason=s14-test"])
      let result = try await handle.result(timeout: .seconds(120))
      await executor.close()
      #expect(result.status == .succeeded)
      let other = job[4] == "n1" ? "n2" : "n1"
      #expect(String(decoding: result.output, as: UTF8.self) == "\(other)\n")
      #expect(await eventually(30) { log.contains("job \(job[0]) NODE_FAIL") }, "\(log.text)")
      #expect(await eventually(30) { await runtime.backend.workers().contains { $0.restarts > 0 } })
    }
  }
}
