import Foundation
import Logging
import ShoalCore
import ShoalScheduler
import Synchronization

/// One cluster of the backend under test: a real scheduler in this process, the
/// backend's `run(context:)`, and helpers that wait for what the checks expect.
final class ConformanceCluster: Sendable {
  let check: String
  let backend: any ClusterBackend
  let scheduler: Scheduler
  let context: ClusterContext
  let timeout: Duration
  let logLines: LogBuffer
  let runState = Mutex<RunState>(.running)

  enum RunState: Sendable {
    case running
    case returned
    case failed(String)
  }

  private init(
    check: String, backend: any ClusterBackend, scheduler: Scheduler, context: ClusterContext,
    timeout: Duration, logLines: LogBuffer
  ) {
    self.check = check
    self.backend = backend
    self.scheduler = scheduler
    self.context = context
    self.timeout = timeout
    self.logLines = logLines
  }

  /// Makes the backend, starts a scheduler and the backend's `run`, runs `body`, and
  /// closes everything again (also when `body` throws).
  static func with<R: Sendable>(
    _ kit: BackendConformance, check: BackendConformance.Check,
    _ body: (ConformanceCluster) async throws -> R
  ) async throws -> R {
    let backend = try kit.makeBackend(check: check, kwargs: kit.rootedKwargs)
    let executable = try ConformanceEnvironment.shoalExecutable(explicit: kit.shoalExecutable)
    let token = ConformanceEnvironment.token()
    var logger = Logger(label: "shoal.conformance")
    logger.logLevel = .warning
    // Like the core: a backend whose workers run elsewhere (SSH hosts) says where the
    // scheduler must listen for them to reach it.
    let binding = (backend as? any SchedulerBindingProvider)?.schedulerBinding
    let scheduler = Scheduler(
      configuration: .init(
        host: binding?.host ?? "127.0.0.1", port: binding?.port ?? 0, token: token),
      logger: logger)
    let stateDirectory = try ConformanceEnvironment.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: stateDirectory) }
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      defer { group.cancelAll() }
      let address = try await scheduler.listeningAddress()
      // As the core does: the workers' secrets in a 0600 file that `workerLaunch` names.
      let secretFile = SecretFile.path(stateDirectory: stateDirectory)
      try SecretFile.write(token, to: secretFile)
      let lines = LogBuffer()
      let log = EventLog { level, message in lines.append("\(level): \(message)") }
      let context = ClusterContext(
        clusterName: "conformance", clusterID: "conformance-\(UUID().uuidString.prefix(8))",
        schedulerAddress: address, token: token, workerExecutable: executable,
        stateDirectory: stateDirectory, tokenFile: secretFile, log: log)
      let cluster = ConformanceCluster(
        check: check.name, backend: backend, scheduler: scheduler, context: context,
        timeout: kit.timeout, logLines: lines)
      // Unstructured on purpose: a backend whose `run` ignores cancellation must fail
      // the `close` check, not hang the test run.
      let run = Task { await cluster.runBackend() }
      do {
        let result = try await body(cluster)
        try await cluster.close(run)
        return result
      } catch {
        try? await cluster.close(run)
        throw error
      }
    }
  }

  private func runBackend() async {
    do {
      try await backend.run(context: context)
      runState.withLock { $0 = .returned }
    } catch is CancellationError {
      runState.withLock { $0 = .returned }
    } catch {
      runState.withLock { $0 = .failed("\(error)") }
    }
  }

  /// Cancels `run(context:)` and waits until it has returned.
  func close(_ run: Task<Void, Never>) async throws {
    run.cancel()
    try await waitUntil("run(context:) returns after it is cancelled") {
      if case .running = self.runState.withLock({ $0 }) { return false }
      return true
    }
    if case .failed(let error) = runState.withLock({ $0 }) {
      throw failure("run(context:) threw while the cluster closed: \(error)")
    }
  }

  /// A failure of this check, with the backend's recent log.
  func failure(_ message: String) -> ConformanceFailure {
    ConformanceFailure(check: check, message, log: logLines.lines)
  }

  /// Polls `condition` until it holds; fails after the kit's timeout, describing
  /// `expectation` and, from `state`, what was seen last.
  func waitUntil(
    _ expectation: String, seen state: (() async -> String)? = nil,
    _ condition: () async throws -> Bool
  ) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
      if case .failed(let error) = runState.withLock({ $0 }) {
        throw failure("run(context:) threw while waiting until \(expectation): \(error)")
      }
      if try await condition() { return }
      if ContinuousClock.now >= deadline {
        let last: String
        if let state { last = await state() } else { last = await describe() }
        throw failure("expected \(expectation) within \(timeout); last seen: \(last)")
      }
      try await Task.sleep(for: .milliseconds(50))
    }
  }

  /// Names of the workers connected to the scheduler (retiring ones included).
  func connectedWorkers() async throws -> Set<String> {
    Set(try await scheduler.load().workers.map(\.name))
  }

  /// Names of the workers the backend reports as not finished.
  func liveWorkers() async -> Set<String> {
    Set(await backend.workers().filter { !$0.state.isFinal }.map { $0.name })
  }

  /// The scheduler's and the backend's view, for failure messages.
  func describe() async -> String {
    let reported = await backend.workers().map(\.description)
    do {
      let connected = try await connectedWorkers().sorted()
      return "scheduler has workers \(connected); backend reports \(reported)"
    } catch {
      return "\(error); backend reports \(reported)"
    }
  }

  /// Scales to `count` and waits until exactly `count` workers are connected, under
  /// the names the backend reports as running.
  func scale(to count: Int) async throws {
    do {
      try await backend.scale(to: count)
    } catch {
      throw failure("scale(to: \(count)) threw: \(error)")
    }
    try await waitForSize(count)
  }

  /// Waits until `count` workers are connected and match the backend's live workers.
  func waitForSize(_ count: Int) async throws {
    try await waitUntil(
      "\(count) workers connected to the scheduler under the names that workers() reports"
    ) {
      let connected = try await self.connectedWorkers()
      let live = await self.liveWorkers()
      return connected.count == count && live == connected
    }
  }

  /// The core's scale-down: retire `names` in the scheduler, then stop them.
  func retireAndStop(_ names: [String]) async throws {
    let retired = await scheduler.retire(workers: names)
    guard Set(retired) == Set(names) else {
      throw failure("the scheduler retired \(retired) of \(names)")
    }
    do {
      try await backend.stop(workers: names)
    } catch {
      throw failure("stop(workers: \(names)) threw: \(error)")
    }
  }
}

/// The last lines a backend logged, for failure messages.
final class LogBuffer: Sendable {
  private let storage = Mutex<[String]>([])

  /// Keeps `line`, dropping the oldest beyond 40.
  func append(_ line: String) {
    storage.withLock {
      $0.append(line)
      if $0.count > 40 { $0.removeFirst($0.count - 40) }
    }
  }

  /// The kept lines, oldest first.
  var lines: [String] { storage.withLock { $0 } }
}
