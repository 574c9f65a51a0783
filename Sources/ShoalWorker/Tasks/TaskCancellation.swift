import Synchronization

/// Cancels one running task from outside it.
///
/// `run` starts the work as a task of its own and waits for it inside a cancellation
/// handler, so cancelling the caller cancels the work too; `cancel()` cancels it
/// through its handle, which only the API's own `Task` offers (keeping an
/// `UnsafeCurrentTask` past `withUnsafeCurrentTask` would break that API's contract).
/// A cancel that comes before the start is not lost: the work starts cancelled.
final class TaskCancellation: Sendable {
  private enum State {
    case notStarted(cancelled: Bool)
    case running(cancel: @Sendable () -> Void)
    case ended
  }

  private let state = Mutex(State.notStarted(cancelled: false))

  init() {}

  /// Runs `body` as a task preferring `executor`, which `cancel()` (or cancelling the
  /// calling task) cancels until `body` returns.
  func run<Result: Sendable>(
    on executor: (any TaskExecutor)? = nil, _ body: @escaping @Sendable () async -> Result
  ) async -> Result {
    let work = Task(executorPreference: executor) { await body() }
    state.withLock { state in
      guard case .notStarted(let cancelled) = state else { return }
      if cancelled { work.cancel() }
      state = .running(cancel: { work.cancel() })
    }
    return await withTaskCancellationHandler {
      let result = await work.value
      state.withLock { $0 = .ended }
      return result
    } onCancel: {
      work.cancel()
    }
  }

  /// Cancels the task (now if it runs, at its start if it has not started yet).
  func cancel() {
    state.withLock { state in
      switch state {
      case .notStarted: state = .notStarted(cancelled: true)
      case .running(let cancelWork): cancelWork()
      case .ended: break
      }
    }
  }
}
