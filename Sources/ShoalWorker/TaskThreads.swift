import NIOPosix

/// The threads tasks run on: one per slot, apart from Swift's shared cooperative pool.
///
/// A Swift task that computes for a long time without suspending holds the thread it
/// runs on. On the shared pool (one thread per CPU) a few such tasks would starve the
/// worker's own session: no heartbeats, no results, and the scheduler would declare
/// the worker dead. Running every task with this executor as its preference keeps the
/// shared pool free for the connection.
final class TaskThreads: TaskExecutor {
  private let pool: NIOThreadPool

  /// Starts `count` threads.
  init(count: Int) {
    pool = NIOThreadPool(numberOfThreads: max(1, count))
    pool.start()
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = asUnownedTaskExecutor()
    // A job must run even if the pool is shutting down, or its task would never end.
    pool.submit { _ in job.runSynchronously(on: executor) }
  }

  /// Stops the threads once the jobs already queued have run.
  func shutdown() async {
    try? await pool.shutdownGracefully()
  }
}
