import Synchronization

/// Cancels one running task from outside it, without a task of its own.
///
/// The task registers itself (`run`) when it starts and unregisters before it ends,
/// under the same lock that `cancel()` holds while it cancels: so the task is alive
/// whenever it is cancelled, and a cancel that comes before the start is not lost.
/// (The obvious alternative, racing the work against a waiter in a task group of its
/// own, costs two more tasks per task and showed as the worker's main cost in
/// profiles of short tasks.)
final class TaskCancellation: Sendable {
  private enum State {
    case notStarted(cancelled: Bool)
    case running(Handle)
    case ended
  }

  /// The running task; used only under the lock, while the task is alive.
  private struct Handle: @unchecked Sendable {
    let task: UnsafeCurrentTask
  }

  private let state = Mutex(State.notStarted(cancelled: false))

  init() {}

  /// Runs `body` in the calling task, which `cancel()` cancels until `body` returns.
  func run<Result: Sendable>(_ body: () async -> Result) async -> Result {
    withUnsafeCurrentTask { task in
      state.withLock { state in
        guard case .notStarted(let cancelled) = state, let task else { return }
        if cancelled { task.cancel() }
        state = .running(Handle(task: task))
      }
    }
    let result = await body()
    state.withLock { $0 = .ended }
    return result
  }

  /// Cancels the task (now if it runs, at its start if it has not started yet).
  func cancel() {
    state.withLock { state in
      switch state {
      case .notStarted: state = .notStarted(cancelled: true)
      case .running(let handle): handle.task.cancel()
      case .ended: break
      }
    }
  }
}
