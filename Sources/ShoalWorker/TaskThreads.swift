import NIOPosix
import Synchronization

/// The threads user Swift tasks run on: one per slot, apart from Swift's shared
/// cooperative pool, started on first use.
///
/// A Swift task that computes for a long time without suspending holds the thread it
/// runs on. On the shared pool (one thread per CPU) a few such tasks would starve the
/// worker's own session: no heartbeats, no results, and the scheduler would declare
/// the worker dead. Running those tasks with this executor as their preference keeps
/// the shared pool free for the connection.
final class TaskThreads: TaskExecutor {
  private let count: Int
  private let pool = Mutex<NIOThreadPool?>(nil)

  /// Threads for `count` slots (none are started until a job comes).
  init(count: Int) { self.count = max(1, count) }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = asUnownedTaskExecutor()
    let pool = self.pool.withLock { pool -> NIOThreadPool in
      if let pool { return pool }
      let started = NIOThreadPool(numberOfThreads: count)
      started.start()
      pool = started
      return started
    }
    // A job must run even if the pool is shutting down, or its task would never end.
    pool.submit { _ in job.runSynchronously(on: executor) }
  }

  /// Stops the threads once the jobs already queued have run.
  func shutdown() async {
    guard let pool = pool.withLock({ $0 }) else { return }
    try? await pool.shutdownGracefully()
  }
}
