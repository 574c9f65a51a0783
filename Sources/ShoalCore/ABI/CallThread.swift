import Foundation

/// A thread of its own for one task call (plugin side).
///
/// A Swift task that computes for a long time without suspending holds the thread it
/// runs on; on Swift's shared pool (one thread per CPU) a few of those would starve
/// the worker's own session (no heartbeats, and the scheduler declares it lost). The
/// worker keeps its own calls off the pool, but its executor cannot cross the plugin
/// boundary, so each call of a plugin's task runs with a thread of its own as its
/// executor preference; the thread ends with the call.
final class CallThread: TaskExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private var finished = false

  /// Starts the thread.
  init() {
    let thread = Thread { [self] in loop() }
    thread.name = "shoal-task-call"
    thread.start()
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  /// Lets the thread end once its queued jobs have run.
  func finish() {
    condition.lock()
    finished = true
    condition.signal()
    condition.unlock()
  }

  private func loop() {
    let executor = asUnownedTaskExecutor()
    while true {
      condition.lock()
      while jobs.isEmpty && !finished { condition.wait() }
      if jobs.isEmpty {
        condition.unlock()
        return
      }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: executor)
    }
  }
}
