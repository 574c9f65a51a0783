#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Waiting for one's own child processes without blocking a thread of Swift's
/// cooperative pool: `waitpid(pid, WNOHANG)` on a timer, never `waitpid(pid, 0)`,
/// never `waitpid(-1)` (which would reap other libraries' children).
public enum ChildWait {
  /// Waits until `pid` has exited and reaps it; returns its status word, or nil when
  /// it is not (or no longer) this process's child. Keeps waiting in a cancelled task,
  /// so callers that killed a child can always reap it.
  public static func reap(_ pid: Int32, poll: Duration = .milliseconds(20)) async -> Int32? {
    var delay = Duration.milliseconds(1)
    while true {
      var status: Int32 = 0
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid { return status }
      if result < 0 && errno != EINTR { return nil }
      await pause(delay)
      delay = min(delay * 2, poll)
    }
  }

  /// Suspends for `duration`, even in a cancelled task (where `Task.sleep` returns at
  /// once), without holding a thread: the sleep then happens in a task of its own,
  /// which the caller's cancellation does not reach.
  public static func pause(_ duration: Duration) async {
    if Task.isCancelled {
      await Task { try? await Task.sleep(for: duration) }.value
    } else {
      try? await Task.sleep(for: duration)
    }
  }
}
