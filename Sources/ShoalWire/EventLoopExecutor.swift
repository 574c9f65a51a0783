import NIOCore

/// A Task executor that runs jobs on one NIO event loop: a peer's connection's own
/// thread. Work that handles a connection's messages (a worker's session and its shell
/// tasks, a client's loop over results) runs with this preference, so that each hand-off
/// between the connection and that work is a queue push on a thread that is already
/// awake, not a wake-up of a thread of Swift's shared pool. Nothing that runs here may
/// block for long: it holds the connection's reads and writes while it runs.
public final class EventLoopExecutor: TaskExecutor {
  /// The loop the jobs run on.
  public let eventLoop: any EventLoop

  /// An executor for `eventLoop`.
  public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

  /// Suspends for `duration` on the loop's own timer: no other thread wakes to end it.
  public func sleep(for duration: Duration) async {
    await withCheckedContinuation { continuation in
      eventLoop.scheduleTask(in: TimeAmount(duration)) { continuation.resume() }
    }
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = asUnownedTaskExecutor()
    eventLoop.execute { job.runSynchronously(on: executor) }
  }
}
