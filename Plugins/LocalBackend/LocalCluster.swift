import ShoalCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Workers as local `shoal worker` processes: Shoal's `LocalCluster`, the default
/// cluster, after Dask's `distributed.LocalCluster`.
///
/// ```yaml
/// cluster_kwargs:
///   n_workers: 2                 # default: from the core count, as Dask picks it
///   threads_per_worker: 1
///   env: {RUST_LOG: info}        # added to each worker's environment
///   working_directory: /tmp/jobs
///   task_libraries: [MyTasks]    # `shoal worker --tasks MyTasks`
///   worker_options: {nthreads: 1, give_up_after: 15, extra_arguments: []}
///   max_workers: 8               # the most adaptive scaling may start (default 4 x cores)
/// ```
///
/// Each worker is supervised by a `ProcessSupervisor`: its own process group, output
/// appended to `STATE/logs/NAME.log`, an unexpected exit replaced with backoff up to
/// a cap (then reported as failed). Workers get `SHOAL_PARENT_PID`, so they exit
/// when the owning `shoal` dies, even by SIGKILL, and `--give-up-after`, so they
/// never outlive an unreachable scheduler.
public final class LocalCluster: ClusterBackend {
  /// Workers to start with.
  public let initialWorkers: Int
  /// Slots (threads) per worker.
  public let threadsPerWorker: Int
  /// The most workers this cluster starts (adaptive `maximum` is clamped to it).
  public let maxWorkers: Int
  let environment: [String: String]
  let workingDirectory: String?
  let taskLibraries: [String]
  let giveUpAfter: Double
  let extraArguments: [String]

  struct State {
    var context: ClusterContext?
    var supervisor: ProcessSupervisor?
    var names: [String] = []
    var nextIndex = 0
    var closed = false
  }
  private let state = Mutex(State())

  /// Supervision policy for worker processes (restart cap, backoff, stop grace).
  static let policy = ProcessSupervisor.Policy(
    restartLimit: 5, restartWindow: .seconds(60), initialBackoff: .milliseconds(500),
    maximumBackoff: .seconds(30), stopGrace: .seconds(10), pollInterval: .milliseconds(50),
    restartCleanExits: false)

  /// Validates `cluster_kwargs`; starts nothing.
  public init(kwargs: Kwargs) throws {
    let options = try kwargs.decode(Options.self)
    let cores = LocalCluster.coreCount()
    let shape = LocalCluster.shape(
      nWorkers: options.nWorkers,
      threadsPerWorker: options.threadsPerWorker ?? options.workerOptions?.nthreads, cores: cores)
    initialWorkers = shape.workers
    threadsPerWorker = shape.threads
    maxWorkers = options.maxWorkers ?? max(shape.workers, 4 * cores)
    if let requested = options.nWorkers, requested > maxWorkers, let node = kwargs["n_workers"] {
      throw node.error(
        "n_workers (\(requested)) is above max_workers (\(maxWorkers))",
        hint: "raise cluster_kwargs.max_workers or lower n_workers")
    }
    environment = options.env ?? [:]
    workingDirectory = options.workingDirectory
    taskLibraries = options.taskLibraries ?? []
    giveUpAfter = options.workerOptions?.giveUpAfter ?? 15
    extraArguments = options.workerOptions?.extraArguments ?? []
  }

  /// Clamps `maximum` to `max_workers` (the core logs the change); refuses a
  /// `minimum` above it.
  public func adapt(_ requested: AdaptSettings) throws -> AdaptSettings {
    var settings = requested
    if requested.minimum > maxWorkers {
      throw ShoalError(
        .invalidValue,
        "adapt minimum \(requested.minimum) is above what LocalCluster can start (max_workers \(maxWorkers))",
        hint: "lower adapt_kwargs.minimum or raise cluster_kwargs.max_workers")
    }
    settings.maximum = min(requested.maximum ?? maxWorkers, maxWorkers)
    return settings
  }

  /// Supervises the workers until cancelled, then stops all of them.
  public func run(context: ClusterContext) async throws {
    // The workers' secrets (token, and under TLS their certificate and key) go in a
    // file only this user can read, not in the workers' environment: the core's
    // (`context.tokenFile`), or one of its own for a context made by hand.
    let ownSecret = context.tokenFile == nil
    if ownSecret { try SecretFile.write(context.token, to: SecretFile.path(in: context)) }
    let supervisor = ProcessSupervisor(policy: LocalCluster.policy, log: context.log)
    state.withLock {
      $0.context = context
      $0.supervisor = supervisor
    }
    await supervisor.run()
    state.withLock {
      $0.closed = true
      $0.names.removeAll()
    }
    if ownSecret { SecretFile.remove(SecretFile.path(in: context)) }
  }

  /// Starts or stops workers until `count` exist; new ones are launched at once,
  /// surplus ones (the newest) are stopped. Throws when a worker cannot be started.
  public func scale(to count: Int) async throws {
    guard count >= 0 else {
      throw ShoalError(.invalidValue, "cannot scale to \(count) workers")
    }
    guard count <= maxWorkers else {
      throw ShoalError(
        .invalidValue, "cannot scale to \(count) workers: max_workers is \(maxWorkers)",
        hint: "raise cluster_kwargs.max_workers")
    }
    let (context, supervisor) = try await started()
    let (toStart, toStop): ([String], [String]) = state.withLock { state in
      let live = state.names.filter { name in
        !(supervisor.statuses().first { $0.name == name }?.state.isFinal ?? true)
      }
      state.names = live
      if live.count < count {
        var new: [String] = []
        for _ in live.count..<count {
          new.append("\(context.clusterName)-\(state.nextIndex)")
          state.nextIndex += 1
        }
        state.names += new
        return (new, [])
      }
      let surplus = Array(live.suffix(live.count - count))
      state.names.removeAll { surplus.contains($0) }
      return ([], surplus)
    }
    if !toStop.isEmpty {
      await supervisor.stop(toStop)
      supervisor.forget(toStop)
    }
    for name in toStart {
      do {
        try await supervisor.launch(name: name, command(for: name, context: context))
      } catch {
        state.withLock { $0.names.removeAll { toStart.contains($0) } }
        throw error
      }
    }
  }

  /// Stops the named workers (retired by the scheduler already).
  public func stop(workers names: [String]) async throws {
    guard let supervisor = state.withLock({ $0.supervisor }) else { return }
    state.withLock { $0.names.removeAll { names.contains($0) } }
    await supervisor.stop(names)
    supervisor.forget(names)
  }

  /// The state of every worker: launching (waiting for a restart), running,
  /// stopping, exited, or failed with the reason (a crash loop).
  public func workers() async -> [WorkerStatus] {
    guard let supervisor = state.withLock({ $0.supervisor }) else { return [] }
    let names = Set(state.withLock { $0.names })
    return supervisor.statuses().filter { names.contains($0.name) || !$0.state.isFinal }
  }

  /// The command that starts worker `name`.
  func command(for name: String, context: ClusterContext) -> ProcessSupervisor.Command {
    var environment = self.environment
    environment["SHOAL_PARENT_PID"] = String(getpid())
    var launch = context.workerLaunch(
      name: name, nthreads: threadsPerWorker, taskLibraries: taskLibraries,
      extraArguments: ["--give-up-after", LocalCluster.format(giveUpAfter)] + extraArguments,
      environment: environment)
    launch.tokenFile = SecretFile.path(in: context)
    launch.environment[WorkerLaunch.tokenVariable] = nil
    return ProcessSupervisor.Command(
      launch, workingDirectory: workingDirectory,
      logFile: context.stateDirectory + "/logs/\(name).log")
  }

  /// Waits (briefly) for `run` to have started.
  private func started() async throws -> (ClusterContext, ProcessSupervisor) {
    for _ in 0..<600 {
      let current = state.withLock { ($0.context, $0.supervisor, $0.closed) }
      if current.2 { throw ShoalError(.invalidState, "the local cluster is closed") }
      if let context = current.0, let supervisor = current.1 { return (context, supervisor) }
      try await Task.sleep(for: .milliseconds(10))
    }
    throw ShoalError(
      .invalidState, "the local cluster is not running (run(context:) was not called)")
  }

  static func format(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
  }
}

@_cdecl("shoal_plugin_table")
public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
  PluginABI.table(host) { $0.export(LocalCluster.self) }
}
