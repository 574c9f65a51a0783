import Logging
import ServiceLifecycle

/// `shoal worker --lifetime SECONDS`: a service beside the worker that, when the
/// lifetime is up, shuts the worker's service group down gracefully. The worker
/// then drains exactly as on SIGTERM: it tells the scheduler it is draining (no new
/// tasks), lets running tasks finish within `--drain-grace` and hands the rest back.
/// A batch job sets it to its walltime minus a margin, so that the job's end loses
/// no task (dask-jobqueue's `--lifetime`).
struct WorkerLifetime: Service {
  /// How long the worker lives before it drains.
  var lifetime: Duration
  var logger: Logger

  /// Sleeps for the lifetime, then returns (which shuts the group down gracefully);
  /// returns at once when the group shuts down first.
  func run() async throws {
    do {
      try await cancelWhenGracefulShutdown { try await Task.sleep(for: lifetime) }
    } catch {
      return
    }
    logger.info("lifetime of \(lifetime) is up: draining")
  }
}
