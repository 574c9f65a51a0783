import Synchronization

/// One running task of a session: the Task its work runs in, which `cancel()` cancels
/// from outside it.
///
/// `start` makes the work a Task of its own and keeps its handle (the only way to
/// cancel one task of many from outside: an `UnsafeCurrentTask` must not be kept past
/// `withUnsafeCurrentTask`). That Task is the task's only one — the session does not
/// also start a child task to await it, which cost a task and a hand-off per task
/// (~10 us of worker CPU, ~30% of no-op throughput) — so the session owns its end:
/// `finish()` at the session's close cancels what still runs and waits for it.
/// A cancel that comes before the start is not lost: the work starts cancelled.
final class TaskCancellation: Sendable {
  private enum State {
    case notStarted(cancelled: Bool)
    case running(Task<Void, Never>)
    case ended
  }

  private let state = Mutex(State.notStarted(cancelled: false))

  init() {}

  /// Starts `body` as a Task preferring `executor` (the shared pool when nil).
  func start(on executor: (any TaskExecutor)? = nil, _ body: @escaping @Sendable () async -> Void) {
    let work = Task(executorPreference: executor) { await body() }
    state.withLock { state in
      guard case .notStarted(let cancelled) = state else { return }
      if cancelled { work.cancel() }
      state = .running(work)
    }
  }

  /// Cancels the task (now if it runs, at its start if it has not started yet).
  func cancel() {
    state.withLock { state in
      switch state {
      case .notStarted: state = .notStarted(cancelled: true)
      case .running(let work): work.cancel()
      case .ended: break
      }
    }
  }

  /// Waits until the work has returned (cancelling it first when `cancelling`).
  func finish(cancelling: Bool = true) async {
    if cancelling { cancel() }
    let work: Task<Void, Never>? = state.withLock { state in
      guard case .running(let work) = state else { return nil }
      return work
    }
    await work?.value
    state.withLock { $0 = .ended }
  }
}
