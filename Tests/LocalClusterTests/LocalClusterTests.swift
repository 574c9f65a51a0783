import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import ShoalWire
import Synchronization
import Testing

/// Real clusters: an in-process scheduler and `shoal worker` processes from the build
/// folder, LocalBackend loaded through the plugin loader.
@Suite(.serialized) struct LocalClusterTests {
  @Test func temporaryClusterRunsWorkAndLeavesNoProcess() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      default: two
      clusters:
        two:
          cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
      """)
    let folder = try ClusterTesting.stateFolder()
    let seen = Mutex<(pids: [Int32], kind: ClusterTarget.Kind?)>(([], nil))
    let outputs = try await ClusterTarget.with(
      cluster: nil, address: nil, token: { "" }, config: config, loader: ClusterTesting.loader,
      options: ClusterTesting.options(folder), logger: ClusterTesting.logger
    ) { target in
      let pids = ClusterTesting.workerProcesses { command, _ in command.contains(target.address) }
      seen.withLock { $0 = (pids, target.kind) }
      let executor = try await Executor.connect(
        address: target.address, token: target.token, tls: target.tls)
      let results = try await executor.map((0..<6).map { TaskSpec.shell("echo", ["\($0)"]) })
      await executor.close()
      return results.map { String(decoding: $0.output, as: UTF8.self) }
    }
    #expect(outputs == (0..<6).map { "\($0)\n" })
    let (pids, kind) = seen.withLock { $0 }
    #expect(kind == .temporary)
    #expect(pids.count >= 2)
    defer { ClusterTesting.killAll(pids) }
    // Closed: every worker process is gone, the temporary state folder removed.
    for pid in pids { #expect(!ClusterTesting.isAlive(pid)) }
    let temporary =
      (try? FileManager.default.contentsOfDirectory(atPath: folder.root + "/temporary")) ?? []
    #expect(temporary.isEmpty)
  }

  @Test func manualScaleUpAndDown() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        manual:
          cluster_kwargs: {n_workers: 1}
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "manual"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder()),
      logger: ClusterTesting.logger)
    let leftovers = Mutex<[Int32]>([])
    defer { ClusterTesting.killAll(leftovers.withLock { $0 }) }
    try await ClusterTesting.running(runtime) { _ in
      #expect(await runtime.status().workers.count == 1)
      try await runtime.scale(to: 3)
      let three = await eventually {
        await runtime.status().workers.filter { $0.slots > 0 }.count == 3
      }
      #expect(three)
      let before = await ClusterTesting.workerPIDs(runtime)
      leftovers.withLock { $0 = before }
      #expect(before.count == 3)
      try await runtime.scale(to: 1)
      let status = await runtime.status()
      #expect(status.workers.count == 1)
      #expect(status.adaptive?.enabled == false)
      let after = await ClusterTesting.workerPIDs(runtime)
      #expect(after.count == 1)
      for pid in before where !after.contains(pid) { #expect(!ClusterTesting.isAlive(pid)) }
      // The decisions say what happened.
      let decisions = status.adaptive?.decisions.map(\.description) ?? []
      #expect(decisions.contains("scale up 1 -> 3: requested by hand; adaptive scaling off"))
      #expect(decisions.contains("scale down 3 -> 1: requested by hand; adaptive scaling off"))
    }
  }

  @Test func adaptiveScalesToMaximumUnderABurstAndBackToMinimum() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        burst:
          cluster_kwargs: {threads_per_worker: 1}
          adapt_kwargs: {minimum: 0, maximum: 3, interval: 0.2, wait_count: 2, target_duration: 1}
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "burst"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder()),
      logger: ClusterTesting.logger)
    let marks = try TemporaryDirectory.make("shoal-marks") + "/ran.txt"
    let count = 24
    try await ClusterTesting.running(runtime) { endpoint in
      #expect(await runtime.status().workers.isEmpty)
      let peak = Counter()
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let specs = (0..<count).map { index in
        TaskSpec.shell("sh", ["-c", "sleep 0.3; echo \(index) >> \(marks); echo \(index)"])
      }
      let results = try await withThrowingTaskGroup(of: [TaskResult]?.self) { group in
        group.addTask { try await executor.map(specs) }
        group.addTask {
          while !Task.isCancelled {
            let connected = await runtime.status().workers.filter { $0.slots > 0 }.count
            peak.value.withLock { $0 = max($0, connected) }
            try? await Task.sleep(for: .milliseconds(20))
          }
          return nil
        }
        var results: [TaskResult] = []
        while let next = try await group.next() {
          if let next {
            results = next
            group.cancelAll()
          }
        }
        return results
      }
      await executor.close()
      // Every task once: each result present once, each task ran once.
      #expect(results.map(\.status) == Array(repeating: .succeeded, count: count))
      #expect(
        results.map { String(decoding: $0.output, as: UTF8.self) } == (0..<count).map { "\($0)\n" })
      let ran = try String(contentsOfFile: marks, encoding: .utf8).split(separator: "\n").map(
        String.init)
      #expect(ran.sorted() == (0..<count).map(String.init).sorted())
      #expect(peak.value.withLock { $0 } == 3)
      // Idle: back to the minimum.
      let idle = await eventually(30) {
        await runtime.status().workers.isEmpty
      }
      #expect(idle)
      let decisions = await runtime.status().adaptive?.decisions ?? []
      #expect(
        decisions.contains { $0.action == .up && $0.description.hasPrefix("scale up 0 -> 3: ") })
      #expect(
        decisions.contains { $0.action == .down && $0.to == 0 },
        "\(decisions.map(\.description).joined(separator: "\n"))")
    }
  }

  @Test func aKilledWorkerIsReplaced() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        duo:
          cluster_kwargs: {n_workers: 2}
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "duo"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder()),
      logger: ClusterTesting.logger)
    try await ClusterTesting.running(runtime) { endpoint in
      let before = await ClusterTesting.workerPIDs(runtime)
      #expect(before.count == 2)
      let victim = try #require(before.first)
      kill(victim, SIGKILL)
      let replaced = await eventually {
        let now = await ClusterTesting.workerPIDs(runtime)
        let connected = await runtime.status().workers.filter { $0.slots > 0 }.count
        return now.count == 2 && !now.contains(victim) && connected == 2
      }
      #expect(replaced)
      #expect(await runtime.status().workers.map(\.restarts).reduce(0, +) == 1)
      // The replacement runs work.
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let results = try await executor.map((0..<4).map { TaskSpec.shell("echo", ["\($0)"]) })
      await executor.close()
      #expect(results.allSatisfy { $0.status == .succeeded })
    }
  }

  @Test func aMissingWorkerExecutableIsAClearErrorAndNothingHangs() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        broken:
          cluster_kwargs: {n_workers: 2}
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "broken"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(
        try ClusterTesting.stateFolder(), worker: "/nonexistent/shoal"),
      logger: ClusterTesting.logger)
    let error = await #expect(throws: ShoalError.self) {
      try await ClusterTesting.running(runtime) { _ in }
    }
    #expect(error?.code == .backendFailed)
    #expect(error?.message.contains("/nonexistent/shoal") == true)
    #expect(error?.message.contains("No such file or directory") == true)
  }

  @Test func aWorkerExecutableThatFailsToStartIsReportedWithItsLog() async throws {
    let script = try TemporaryDirectory.make("shoal-bad") + "/bad-shoal"
    try "#!/bin/sh\necho 'bad-shoal: cannot do anything' >&2\nexit 7\n".write(
      toFile: script, atomically: true, encoding: .utf8)
    chmod(script, 0o755)
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        broken:
          cluster_kwargs: {n_workers: 1}
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "broken"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder(), worker: script),
      logger: ClusterTesting.logger)
    let error = await #expect(throws: ShoalError.self) {
      try await ClusterTesting.running(runtime) { _ in }
    }
    #expect(error?.code == .backendFailed)
    #expect(error?.message.contains("did not start") == true)
    #expect(error?.message.contains("bad-shoal: cannot do anything") == true)
  }

  /// Workers that crash-loop before connecting: the error shows why, from the worker's
  /// own log, and names that log, wherever LocalCluster (`STATE/logs/NAME.log`) or a
  /// backend written from `shoal plugin new` (`STATE/NAME.log`) put it.
  @Test(arguments: [
    (
      "LocalCluster", "{n_workers: 1, worker_options: {extra_arguments: [--nthreads, '0']}}",
      "/logs/crash-0.log"
    ),
    ("FaultyPlugin.CrashingCluster", "{n_workers: 1}", "/crash-0.log"),
  ])
  func workersThatExitBeforeConnectingAreReportedWithTheirLog(
    _ clusterClass: String, _ kwargs: String, _ logFile: String
  ) async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        crash:
          cluster_class: \(clusterClass)
          cluster_kwargs: \(kwargs)
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "crash"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder()),
      logger: ClusterTesting.logger)
    let error = await #expect(throws: ShoalError.self) {
      try await ClusterTesting.running(runtime) { _ in }
    }
    let log = runtime.stateDirectory + logFile
    #expect(error?.code == .backendFailed)
    #expect(error?.message.contains("worker crash-0 of cluster `crash` did not start") == true)
    #expect(
      error?.message.contains("--nthreads must be from 1 to 4096, found 0") == true,
      "\(error.map { "\($0)" } ?? "")")
    #expect(error?.message.contains("the end of \(log)") == true, "\(error.map { "\($0)" } ?? "")")
    #expect(error?.hint?.contains("see its log \(log)") == true, "\(error?.hint ?? "")")
  }

  @Test func anAdaptiveMaximumAboveCapacityIsClamped() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        big:
          cluster_kwargs: {max_workers: 3}
          adapt_kwargs: {minimum: 0, maximum: 100}
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "big"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder()),
      logger: ClusterTesting.logger)
    #expect(runtime.adaptSettings?.maximum == 3)
    try await ClusterTesting.running(runtime) { _ in
      #expect(throws: ShoalError.self) { try runtime.adapt(minimum: 5, maximum: 2) }
      #expect(throws: ShoalError.self) { try runtime.adapt(minimum: 4, maximum: 10) }
      let settings = try runtime.adapt(minimum: 0, maximum: 10)
      #expect(settings.maximum == 3)
    }
  }
}

/// A number shared between tasks.
final class Counter: Sendable {
  let value = Mutex(0)
}

/// Issue 15: the adaptive loop turns a slot target into workers by the backend's
/// threads per worker from the start (it assumed 1 and overshot by that factor).
extension LocalClusterTests {
  @Test func scalingUpFromZeroCountsTheThreadsPerWorker() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        wide:
          cluster_kwargs: {threads_per_worker: 2}
          adapt_kwargs: {minimum: 0, maximum: 4, interval: 0.2, target_duration: 0.1}
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "wide"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder()),
      logger: ClusterTesting.logger)
    try await ClusterTesting.running(runtime) { endpoint in
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let handles = executor.submit((0..<4).map { _ in TaskSpec.shell("sleep", ["1.5"]) })
      var planned: [Int] = []
      while handles.contains(where: { !$0.isFinished }) {
        planned.append(await runtime.status().adaptive?.planned ?? 0)
        try await Task.sleep(for: .milliseconds(50))
      }
      let results = try await executor.gather(handles)
      #expect(results.allSatisfy { $0.status == .succeeded })
      // 4 tasks of 2 slots per worker: 2 workers, never 4.
      #expect(planned.max() == 2, "\(planned)")
      await executor.close()
    }
  }
}
