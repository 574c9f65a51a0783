import Synchronization

/// A signal that fires once: `wait()` returns when `fire()` has been called (before
/// or after), or when the waiting task is cancelled.
final class OneShot: Sendable {
  private struct State {
    var fired = false
    var nextID: UInt64 = 0
    var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    /// Waiters cancelled before they were stored.
    var cancelled: Set<UInt64> = []
  }
  private let state = Mutex(State())

  init() {}

  /// Whether `fire()` has been called.
  var isFired: Bool { state.withLock { $0.fired } }

  /// Fires the signal and wakes every waiter.
  func fire() {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.fired = true
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once the signal has fired or the calling task is cancelled.
  func wait() async {
    let id = state.withLock { state -> UInt64 in
      state.nextID += 1
      return state.nextID
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let resumeNow = state.withLock { state -> Bool in
          if state.fired || state.cancelled.remove(id) != nil { return true }
          state.waiters[id] = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    } onCancel: {
      let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
        guard let waiter = state.waiters.removeValue(forKey: id) else {
          if !state.fired { state.cancelled.insert(id) }
          return nil
        }
        return waiter
      }
      waiter?.resume()
    }
  }
}
