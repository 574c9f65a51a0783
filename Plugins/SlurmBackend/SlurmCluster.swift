import SSHSupport
import ShoalCore
import SlurmSupport
import Synchronization

/// Workers as batch jobs of a Slurm cluster, after dask-jobqueue's `SLURMCluster`.
///
///     cluster_class: SlurmBackend.SlurmCluster
///     cluster_kwargs:
///       queue: debug
///       cores: 1
///       memory: 1G
///       walltime: "00:30:00"
///       scheduler_options: {host: 0.0.0.0, address: head.example}
///     adapt_kwargs: {minimum: 0, maximum: 8}
///
/// One `sbatch` per job of `processes` workers, named after the cluster and tagged
/// (`--comment`) with its id and owning process, so that a later `shoal` cancels
/// what a killed one left. A job waiting in the queue is a worker that is
/// `launching`, with squeue's reason as its location. Each worker knows its deadline
/// (`shoal worker --lifetime`: the walltime minus a margin) and drains before it;
/// the backend submits the replacement job a margin earlier. A job that ends
/// without being asked to (`scancel` from outside, a node failure, a failing
/// prologue) is logged with the end of its output and resubmitted with backoff.
/// With `mode: allocation` workers are `srun` steps of the allocation `shoal` runs
/// in. See docs/slurm.md.
public final class SlurmCluster: ClusterBackend, LeftoverCleaning, SchedulerBindingProvider {
  /// The checked `cluster_kwargs`.
  let options: SlurmOptions
  /// Workers to start when not adaptive: `n_workers`, default one job's `processes`
  /// (in allocation mode: one per task of the allocation).
  public let initialWorkers: Int
  /// Where the scheduler listens: `scheduler_options.host`/`port`, when set.
  public let schedulerBinding: SchedulerBinding?
  /// For `mode: allocation`: the allocation's job id and the workers it can hold.
  let allocation: Allocation?

  /// Everything `run` sets up, which `scale` and `stop` need.
  struct Runtime: Sendable {
    var context: ClusterContext
    var client: SlurmClient
    var tag: JobTag
    var executable: String
    var workerAddress: String
    var logDirectory: String
    /// The cluster id's random suffix, in job and worker names.
    var suffix: String
    /// The 0600 file workers read their secrets from (`--token-file`; see `secretFile`).
    var secretFile: String
  }

  struct State {
    var runtime: Runtime?
    var jobs: [Job] = []
    var nextIndex = 0
    var closed = false
    var queryFailing = false
    var supervisor: ProcessSupervisor?
    /// `mode: allocation`: the live srun steps, oldest first.
    var steps: [String] = []
  }
  let state = Mutex(State())

  /// How often the queue is read.
  static let pollInterval: Duration = .milliseconds(500)
  /// Faults of one job within `faultWindow` after which it is given up.
  static let faultLimit = 5
  static let faultWindow: Duration = .seconds(600)

  /// Decodes and checks `cluster_kwargs` (docs/slurm.md); submits nothing.
  public init(kwargs: Kwargs) throws {
    options = try kwargs.decode(SlurmOptions.self)
    let allocation: Allocation?
    let scheduler = options.scheduler
    schedulerBinding =
      scheduler.listenHost == nil && scheduler.listenPort == nil
      ? nil
      : SchedulerBinding(host: scheduler.listenHost ?? "127.0.0.1", port: scheduler.listenPort ?? 0)
    if options.mode == .allocation {
      allocation = try Allocation(
        environment: PluginSearchPath.environment(), node: kwargs["mode"] ?? kwargs)
    } else {
      allocation = nil
    }
    self.allocation = allocation
    initialWorkers = options.nWorkers ?? allocation?.capacity ?? options.processes
    if let allocation, initialWorkers > allocation.capacity, let node = kwargs["n_workers"] {
      throw node.error(
        "n_workers (\(initialWorkers)) is more than the allocation holds (\(allocation.summary))",
        hint: "lower n_workers, or ask for more tasks (sbatch -n N)")
    }
  }

  /// In allocation mode, clamps `maximum` to the allocation (and refuses a larger
  /// `minimum`); a batch queue takes any number of jobs.
  public func adapt(_ requested: AdaptSettings) throws -> AdaptSettings {
    guard let allocation else { return requested }
    guard requested.minimum <= allocation.capacity else {
      throw ShoalError(
        .invalidValue,
        "adapt minimum \(requested.minimum) is more than the allocation holds (\(allocation.summary))",
        hint: "lower adapt_kwargs.minimum, or ask for more tasks (sbatch -n N)")
    }
    var settings = requested
    settings.maximum = min(requested.maximum ?? allocation.capacity, allocation.capacity)
    return settings
  }

  /// Cancels what dead runs left, then follows the queue until cancelled; then
  /// cancels every job and waits (up to a minute) until they have left the queue.
  public func run(context: ClusterContext) async throws {
    let logDirectory = options.logDirectory ?? context.stateDirectory + "/logs"
    try Folders.make(logDirectory)
    try Folders.make(context.stateDirectory + "/logs")
    let client = SlurmClient(options: options)
    let (secretFile, ownSecret) = try Self.secretFile(context: context, options: options)
    defer { if ownSecret { SecretFile.remove(secretFile) } }
    let runtime = Runtime(
      context: context, client: client,
      tag: JobTag(
        cluster: context.clusterName, clusterID: context.clusterID, owner: OwnerStamp.current()),
      executable: options.remoteShoal ?? context.workerExecutable,
      workerAddress: options.scheduler.workerAddress(actual: context.schedulerAddress),
      logDirectory: logDirectory,
      suffix: String(context.clusterID.split(separator: "-").last ?? "0").prefix(6).lowercased(),
      secretFile: secretFile)
    if let allocation {
      try await runAllocation(runtime, allocation: allocation)
      return
    }
    try await removeLeftovers(clusterName: context.clusterName, log: context.log)
    state.withLock { $0.runtime = runtime }
    context.log.info(
      "Slurm cluster: jobs of \(options.processes) worker(s) x \(options.threadsPerWorker) thread(s),"
        + " walltime \(SlurmTime.format(options.walltime)); workers drain \(options.walltimeMargin) s before it;"
        + " they dial \(runtime.workerAddress)")
    while !Task.isCancelled {
      await tick(runtime)
      try? await Task.sleep(for: SlurmCluster.pollInterval)
    }
    await shutdown(runtime)
  }

  /// Where workers read their secrets: never the job's environment (Slurm keeps it,
  /// and the job's shell and `srun` hold it where a task of the same user could read
  /// it). The core's `STATE/worker-secret` (`context.tokenFile`) when the job output
  /// goes to the state folder (which compute nodes then share); with a `log_directory`
  /// of its own, a copy there (`.shoal-secret-CLUSTER_ID`, 0600), since that folder is
  /// the one the nodes are known to reach. Returns the path and whether this backend
  /// wrote it (and removes it at the end).
  static func secretFile(context: ClusterContext, options: SlurmOptions) throws -> (String, Bool) {
    if let logDirectory = options.logDirectory {
      let path = logDirectory + "/.shoal-secret-" + context.clusterID
      try SecretFile.write(context.token, to: path)
      return (path, true)
    }
    let path = SecretFile.path(in: context)
    guard context.tokenFile == nil else { return (path, false) }
    try SecretFile.write(context.token, to: path)
    return (path, true)
  }

  /// Makes `count` workers exist: submits jobs, or cancels the surplus (queued
  /// ones first, then the newest). Throws when sbatch refuses a job.
  public func scale(to count: Int) async throws {
    guard count >= 0 else { throw ShoalError(.invalidValue, "cannot scale to \(count) workers") }
    let runtime = try await started()
    if let allocation {
      try await scaleAllocation(to: count, runtime: runtime, allocation: allocation)
      return
    }
    let target = (count + options.processes - 1) / options.processes
    let (new, cancel): ([Int], [String]) = state.withLock { state in
      state.jobs.removeAll { if case .ended = $0.phase { return true } else { return false } }
      let active = state.jobs.filter(\.isActive)
      if active.count < target {
        var new: [Int] = []
        for _ in active.count..<target { new.append(makeJob(&state, runtime: runtime)) }
        return (new, [])
      }
      let surplus = active.sorted {
        ($0.isQueued ? 1 : 0, $0.index) > ($1.isQueued ? 1 : 0, $1.index)
      }
      .prefix(active.count - target).map(\.index)
      return ([], surplus.compactMap { markStopping(&state, index: $0) })
    }
    await runtime.client.cancel(cancel)
    var failure: (any Error)?
    for index in new {
      do {
        try await submit(index, runtime: runtime)
      } catch {
        state.withLock { $0.jobs.removeAll { $0.index == index } }
        failure = failure ?? error
      }
    }
    if let failure { throw failure }
  }

  /// Stops the named workers (retired by the scheduler already): cancels each job
  /// whose workers are all stopped.
  public func stop(workers names: [String]) async throws {
    let runtime = try await started()
    if allocation != nil {
      await stopAllocation(names)
      return
    }
    let wanted = Set(names)
    let cancel: [String] = state.withLock { state in
      var ids: [String] = []
      for job in state.jobs where !wanted.isDisjoint(with: job.workers) {
        guard let position = state.jobs.firstIndex(where: { $0.index == job.index }) else {
          continue
        }
        state.jobs[position].stopped.formUnion(wanted.intersection(job.workers))
        if case .ended = job.phase {
          state.jobs.remove(at: position)
        } else if state.jobs[position].stopped.count == job.workers.count {
          if let id = markStopping(&state, index: job.index) { ids.append(id) }
        }
      }
      return ids
    }
    await runtime.client.cancel(cancel)
  }

  /// Every worker: `launching` while its job is submitted or queued (the location
  /// says `job 12 pending (Resources)`), `running` with its job and node, `stopping`,
  /// `exited(0)` when it left by itself, `failed` when its job kept failing.
  public func workers() async -> [WorkerStatus] {
    if allocation != nil {
      return state.withLock { $0.supervisor }?.statuses() ?? []
    }
    let lifetime = options.workerLifetime
    return state.withLock { $0.jobs.flatMap { $0.statuses(lifetime: lifetime) } }
  }

  /// Waits (briefly) for `run` to have started.
  func started() async throws -> Runtime {
    for _ in 0..<3000 {
      let (runtime, closed) = state.withLock { ($0.runtime, $0.closed) }
      if closed { throw ShoalError(.invalidState, "the Slurm cluster is closed") }
      if let runtime { return runtime }
      try await Task.sleep(for: .milliseconds(10))
    }
    throw ShoalError(
      .invalidState, "the Slurm cluster is not running (run(context:) was not called)")
  }
}

/// The plugin's entry point: exports `SlurmCluster`.
@_cdecl("shoal_plugin_table")
public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
  PluginABI.table(host) { $0.export(SlurmCluster.self) }
}
