import Synchronization

/// A value that becomes available once (or fails), awaited by any number of callers.
final class Readiness<Value: Sendable>: Sendable {
  private enum State {
    case pending([CheckedContinuation<Value, any Error>])
    case done(Result<Value, any Error>)
  }
  private let state = Mutex(State.pending([]))

  /// Resolves with `result`; later calls are ignored.
  func resolve(_ result: Result<Value, any Error>) {
    let waiters: [CheckedContinuation<Value, any Error>] = state.withLock { state in
      guard case .pending(let waiters) = state else { return [] }
      state = .done(result)
      return waiters
    }
    for waiter in waiters { waiter.resume(with: result) }
  }

  /// The value, once resolved.
  var value: Value {
    get async throws {
      try await withCheckedThrowingContinuation { continuation in
        let done: Result<Value, any Error>? = state.withLock { state in
          switch state {
          case .pending(let waiters):
            state = .pending(waiters + [continuation])
            return nil
          case .done(let result):
            return result
          }
        }
        if let done { continuation.resume(with: done) }
      }
    }
  }

  /// The value if resolved successfully.
  var current: Value? {
    state.withLock { state in
      if case .done(.success(let value)) = state { return value }
      return nil
    }
  }
}
