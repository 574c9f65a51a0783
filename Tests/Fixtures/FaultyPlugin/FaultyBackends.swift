import ShoalCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Starts real workers, then fails where its kwargs say: `fail_in: run` (run throws
/// once a worker is up) or `fail_in: scale` (the scale call that would start worker
/// `fail_after` + 1 throws). The core must report the error and leave nothing running.
/// Worker names carry `label`, so tests can look for leftover processes.
public final class ThrowingCluster: ClusterBackend {
  struct Options: Decodable {
    var fail_in: String
    var fail_after: Int?
    var label: String
  }
  public let initialWorkers = 2
  let failIn: String
  let failAfter: Int
  let label: String
  private let supervisor = Mutex<ProcessSupervisor?>(nil)
  private let context = Mutex<ClusterContext?>(nil)

  public init(kwargs: Kwargs) throws {
    let options = try kwargs.decode(Options.self)
    guard ["run", "scale"].contains(options.fail_in) else {
      throw kwargs["fail_in"]!.error("fail_in must be run or scale")
    }
    failIn = options.fail_in
    failAfter = options.fail_after ?? 1
    label = options.label
  }

  public func run(context: ClusterContext) async throws {
    let supervisor = ProcessSupervisor(policy: .init(restartCleanExits: false), log: context.log)
    self.supervisor.withLock { $0 = supervisor }
    self.context.withLock { $0 = context }
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { await supervisor.run() }
      if failIn == "run" {
        // Waits for a worker the core's scale call started (launching one here too
        // would race scale for the same name), then fails with it running.
        while !supervisor.statuses().contains(where: { $0.state == .running }) {
          try await Task.sleep(for: .milliseconds(10))
        }
        throw ShoalError(.backendFailed, "ThrowingCluster failed in run, as asked")
      }
      try await group.next()
    }
  }

  func launch(count: Int) async throws {
    for _ in 0..<200 where supervisor.withLock({ $0 }) == nil {
      try await Task.sleep(for: .milliseconds(10))
    }
    guard let supervisor = supervisor.withLock({ $0 }), let context = context.withLock({ $0 })
    else { throw ShoalError(.invalidState, "not running") }
    let existing = supervisor.statuses().count
    for index in existing..<count {
      let name = "\(label)-\(index)"
      let launch = context.workerLaunch(
        name: name, nthreads: 1, extraArguments: ["--give-up-after", "15"])
      // No SHOAL_PARENT_PID on purpose: a worker the core fails to stop stays visible.
      try await supervisor.launch(name: name, ProcessSupervisor.Command(launch))
    }
  }

  public func scale(to count: Int) async throws {
    if failIn == "scale" && count > failAfter {
      try await launch(count: failAfter)
      throw ShoalError(
        .backendFailed, "ThrowingCluster cannot start worker \(failAfter + 1), as asked",
        hint: "this backend is a test fixture")
    }
    try await launch(count: count)
  }

  public func stop(workers names: [String]) async throws {
    await supervisor.withLock({ $0 })?.stop(names)
  }

  public func workers() async -> [WorkerStatus] {
    supervisor.withLock { $0 }?.statuses() ?? []
  }
}

/// Hangs where its kwargs say: `hang_in: scale` never returns from `scale`, ignoring
/// cancellation (a lost callback); `hang_in: run` never returns from `run` after
/// cancellation. The core must give up after `timeouts:` and report it.
public final class HangingCluster: ClusterBackend {
  struct Options: Decodable {
    var hang_in: String
  }
  public let initialWorkers = 1
  let hangIn: String

  public init(kwargs: Kwargs) throws {
    hangIn = try kwargs.decode(Options.self).hang_in
  }

  public func run(context: ClusterContext) async throws {
    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
    if hangIn == "run" { await HangingCluster.forever() }
  }

  public func scale(to count: Int) async throws {
    if hangIn == "scale" { await HangingCluster.forever() }
  }

  public func stop(workers names: [String]) async throws {}
  public func workers() async -> [WorkerStatus] { [] }

  /// Suspends forever, cancelled or not, without holding a thread.
  static func forever() async {
    await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
  }
}
