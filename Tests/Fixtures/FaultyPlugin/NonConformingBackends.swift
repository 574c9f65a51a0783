import ShoalCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Backends that work at first sight but break one rule of the scale interface: the
/// conformance kit must fail each of them, naming the rule.
public class MisbehavingCluster: ClusterBackend, @unchecked Sendable {
  struct Options: Decodable {
    var n_workers: Int?
    var threads_per_worker: Int?
  }
  public let initialWorkers: Int
  let supervisor = Mutex<ProcessSupervisor?>(nil)
  let context = Mutex<ClusterContext?>(nil)
  let names = Mutex<[String]>([])

  public required init(kwargs: Kwargs) throws {
    initialWorkers = try kwargs.decode(Options.self).n_workers ?? 1
  }

  public func adapt(_ requested: AdaptSettings) throws -> AdaptSettings { requested }

  /// The name the worker connects with.
  func connectName(_ name: String) -> String { name }

  func started() async throws -> (ProcessSupervisor, ClusterContext) {
    for _ in 0..<500 {
      if let supervisor = supervisor.withLock({ $0 }), let context = context.withLock({ $0 }) {
        return (supervisor, context)
      }
      try await Task.sleep(for: .milliseconds(10))
    }
    throw ShoalError(.invalidState, "not running")
  }

  public func run(context: ClusterContext) async throws {
    let supervisor = ProcessSupervisor(policy: .init(restartCleanExits: false), log: context.log)
    self.context.withLock { $0 = context }
    self.supervisor.withLock { $0 = supervisor }
    await supervisor.run()
  }

  public func scale(to count: Int) async throws {
    let (supervisor, context) = try await started()
    let (start, stop): ([String], [String]) = names.withLock { names in
      if names.count >= count {
        let surplus = Array(names.suffix(names.count - count))
        names.removeLast(names.count - count)
        return ([], surplus)
      }
      let new = (names.count..<count).map { "\(context.clusterName)-\($0)" }
      names += new
      return (new, [])
    }
    await supervisor.stop(stop)
    for name in start {
      try await supervisor.launch(name: name, command(for: name, context: context))
    }
  }

  /// The process that runs worker `name`.
  func command(for name: String, context: ClusterContext) -> ProcessSupervisor.Command {
    let launch = context.workerLaunch(
      name: connectName(name), nthreads: 1, extraArguments: ["--give-up-after", "15"])
    return ProcessSupervisor.Command(launch)
  }

  public func stop(workers names: [String]) async throws {
    self.names.withLock { $0.removeAll { names.contains($0) } }
    await supervisor.withLock({ $0 })?.stop(names)
  }

  public func workers() async -> [WorkerStatus] {
    supervisor.withLock { $0 }?.statuses() ?? []
  }
}

/// Its workers connect under other names than `workers()` reports, so the core could
/// never stop the workers the scheduler retired.
public final class MisnamedCluster: MisbehavingCluster {
  override func connectName(_ name: String) -> String { "other-" + name }
}

/// Returns from `run` on cancellation without stopping its workers.
public final class LeakyCluster: MisbehavingCluster {
  public override func run(context: ClusterContext) async throws {
    let supervisor = ProcessSupervisor(policy: .init(restartCleanExits: false), log: context.log)
    self.context.withLock { $0 = context }
    self.supervisor.withLock { $0 = supervisor }
    // The bug: supervision outlives the cluster, nothing stops the workers.
    Task.detached { await supervisor.run() }
    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
  }
}

/// Reports workers as running but never lets a dead one be seen: it forgets
/// exits and restarts nothing.
public final class BlindCluster: MisbehavingCluster {
  public override func workers() async -> [WorkerStatus] {
    names.withLock { $0.map { WorkerStatus(name: $0, state: .running) } }
  }
}

/// Widens the adaptive bounds beyond what the user asked.
public final class GreedyCluster: MisbehavingCluster {
  public override func adapt(_ requested: AdaptSettings) throws -> AdaptSettings {
    var settings = requested
    settings.maximum = (requested.maximum ?? 0) + 10
    return settings
  }
}

/// Stops its workers on cancellation, then never returns from `run`.
public final class StubbornCluster: MisbehavingCluster {
  public override func run(context: ClusterContext) async throws {
    try await super.run(context: context)
    await HangingCluster.forever()
  }
}

/// `stop(workers:)` forgets the names and stops nothing: a retired worker still goes
/// (it exits by itself), an idle one that was not retired stays.
public final class IdleStopCluster: MisbehavingCluster, @unchecked Sendable {
  public override func stop(workers names: [String]) async throws {
    self.names.withLock { $0.removeAll { names.contains($0) } }
  }
}

/// Its workers refuse to start (`--nthreads 0`) and log why where the `shoal plugin
/// new` scaffold puts worker logs: `STATE/NAME.log`. Not a conformance bug: the core
/// must show that log when the workers never connect.
public final class CrashingCluster: MisbehavingCluster, @unchecked Sendable {
  override func command(for name: String, context: ClusterContext) -> ProcessSupervisor.Command {
    let launch = context.workerLaunch(
      name: name, nthreads: 0, extraArguments: ["--give-up-after", "15"])
    return ProcessSupervisor.Command(launch, logFile: context.stateDirectory + "/\(name).log")
  }
}
