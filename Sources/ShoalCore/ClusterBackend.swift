/// A backend: the thing that makes workers exist somewhere (local processes, SSH
/// hosts, containers, a batch system). This is the whole scale interface.
///
/// The core owns the scheduler and adaptive scaling; the backend only starts and
/// stops workers when asked:
///
///     let backend = try MyCluster(kwargs: kwargs)        // validate; start nothing
///     let adapt = try backend.adapt(requested)           // clamp or refuse the bounds
///     async let running: Void = backend.run(context: c)  // the cluster is up while this runs
///     try await backend.scale(to: 4)                     // make 4 workers exist
///     try await backend.stop(workers: ["w-3"])           // after the scheduler retired w-3
///     await backend.workers()                            // each worker's state
///     // cancelling `run` closes the cluster: every worker stopped before it returns.
///
/// Scale-down always goes through the scheduler first: the core retires a worker
/// (no new tasks, running ones finish) and only then calls `stop(workers:)`.
public protocol ClusterBackend: AnyObject, Sendable {
  /// Decodes and validates `cluster_kwargs`; starts nothing. Throw `ShoalError`
  /// (usually via `kwargs.decode(Options.self)`, which reports unknown keys and type
  /// errors with their YAML position).
  init(kwargs: Kwargs) throws

  /// Receives the `adapt_kwargs` before the cluster starts, and returns the settings
  /// the backend can honour: clamp `maximum` to capacity (and log that), or throw
  /// when they are impossible. The default accepts them unchanged.
  func adapt(_ requested: AdaptSettings) throws -> AdaptSettings

  /// The number of workers to start with when the cluster is not adaptive
  /// (`n_workers` for most backends).
  var initialWorkers: Int { get }

  /// Runs the cluster until cancelled. Must return promptly after `scale` and
  /// `stop` may be called; on cancellation it stops every worker it started, then
  /// returns. Throwing ends the cluster.
  func run(context: ClusterContext) async throws

  /// Makes `count` workers exist, starting or stopping workers of the backend's choice.
  func scale(to count: Int) async throws

  /// Stops the named workers (already retired by the scheduler) and lowers the
  /// desired count accordingly.
  func stop(workers names: [String]) async throws

  /// The state of every worker the backend currently knows.
  func workers() async -> [WorkerStatus]
}

extension ClusterBackend {
  /// Accepts the requested settings unchanged.
  public func adapt(_ requested: AdaptSettings) throws -> AdaptSettings { requested }
}
