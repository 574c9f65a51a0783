import NIOCore

/// Runs a session's own work on the thread of its connection's event loop: reading
/// frames, the session's state, shell tasks and built-ins, and writing results.
///
/// On Swift's shared pool every hand-off between them (a frame to the session, a
/// finished task to the session, a result to the writer, the writer to NIO) could wake
/// another thread; on one event loop they are queue pushes on a thread that is already
/// awake, so a shell command costs two wake-ups: the watcher thread when the program
/// exits, and this loop when the watcher resumes the task. Nothing that runs here may
/// block: user Swift tasks run on `TaskThreads`, pipes and exits are watched by
/// `ChildWatcher`; the one short wait is `posix_spawn` until the program has started.
final class SessionExecutor: TaskExecutor {
  private let eventLoop: any EventLoop

  init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = asUnownedTaskExecutor()
    eventLoop.execute { job.runSynchronously(on: executor) }
  }
}
