import Foundation
import ShoalCore
import ShoalWire
import Synchronization

/// A submitted task: its result is a plain `async` value.
///
///     let handle = executor.submit(.shell("hostname"))
///     let result = try await handle.result
///
/// A task's own failure is a result (`result.status == .failed`), not a thrown error;
/// `result` throws only when the cluster cannot deliver one (connection lost, timeout).
public final class TaskHandle: Sendable, Hashable {
  /// The client-side id, unique per `Executor`.
  public let id: UInt64
  private let state = Mutex(HandleState())

  private struct HandleState {
    var outcome: Result<TaskResult, ShoalError>?
    var nextWaiter = 0
    var waiters: [Int: CheckedContinuation<TaskResult, any Error>] = [:]
    var callbacks: [@Sendable (Result<TaskResult, ShoalError>) -> Void] = []
  }

  init(id: UInt64) { self.id = id }

  /// The task's result, once it is there.
  public var result: TaskResult {
    get async throws {
      let waiter = state.withLock { state -> Int in
        state.nextWaiter += 1
        return state.nextWaiter
      }
      return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
          let done = state.withLock { state -> Result<TaskResult, ShoalError>? in
            if let outcome = state.outcome { return outcome }
            state.waiters[waiter] = continuation
            return nil
          }
          if let done {
            continuation.resume(with: done)
          } else if Task.isCancelled {
            // Cancelled before the waiter was registered: onCancel found nothing to resume.
            state.withLock { $0.waiters.removeValue(forKey: waiter) }?
              .resume(throwing: CancellationError())
          }
        }
      } onCancel: {
        let continuation = state.withLock { $0.waiters.removeValue(forKey: waiter) }
        continuation?.resume(throwing: CancellationError())
      }
    }
  }

  /// The result, or a `timeout` error after `timeout` (the task itself keeps running;
  /// cancel it with `Executor.cancel`).
  public func result(timeout: Duration) async throws -> TaskResult {
    try await withThrowingTaskGroup(of: TaskResult.self) { group in
      group.addTask { try await self.result }
      group.addTask {
        try await Task.sleep(for: timeout)
        throw ShoalError(.timeout, "task \(self.id) has no result after \(timeout)")
      }
      defer { group.cancelAll() }
      return try await group.next()!
    }
  }

  /// Whether the result is there.
  public var isFinished: Bool { state.withLock { $0.outcome != nil } }

  /// Calls `callback` once with the outcome (at once when it is already there).
  func onCompletion(_ callback: @escaping @Sendable (Result<TaskResult, ShoalError>) -> Void) {
    let done = state.withLock { state -> Result<TaskResult, ShoalError>? in
      if let outcome = state.outcome { return outcome }
      state.callbacks.append(callback)
      return nil
    }
    if let done { callback(done) }
  }

  func complete(_ outcome: Result<TaskResult, ShoalError>) {
    let (waiters, callbacks) = state.withLock {
      state -> (
        [CheckedContinuation<TaskResult, any Error>],
        [@Sendable (Result<TaskResult, ShoalError>) -> Void]
      ) in
      guard state.outcome == nil else { return ([], []) }
      state.outcome = outcome
      defer {
        state.waiters = [:]
        state.callbacks = []
      }
      return (Array(state.waiters.values), state.callbacks)
    }
    for waiter in waiters { waiter.resume(with: outcome.mapError { $0 as any Error }) }
    for callback in callbacks { callback(outcome) }
  }

  public static func == (lhs: TaskHandle, rhs: TaskHandle) -> Bool { lhs === rhs }
  public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A submitted typed Swift task; `value` is its decoded output.
public struct TypedTaskHandle<T: TaskFunction>: Sendable {
  /// The untyped handle.
  public let handle: TaskHandle

  /// The raw result.
  public var result: TaskResult { get async throws { try await handle.result } }

  /// The task's output; throws `TaskError` when the task did not succeed.
  public var value: T.Output {
    get async throws { try TypedTaskHandle.decode(try await handle.result) }
  }

  static func decode(_ result: TaskResult) throws -> T.Output {
    guard result.status == .succeeded else { throw TaskError(task: T.name, result: result) }
    do {
      return try JSONDecoder().decode(T.Output.self, from: Data(result.output))
    } catch {
      throw ShoalError(
        .typeMismatch,
        "task `\(T.name)`: its output does not decode as \(T.outputTypeName): \(error)")
    }
  }
}

/// A task that ran but did not succeed (failed, timed out, lost, cancelled, rejected).
public struct TaskError: Error, Sendable, CustomStringConvertible {
  /// The task's name or command.
  public var task: String
  /// Its result.
  public var result: TaskResult

  public var description: String {
    "task `\(task)` \(result.status)" + (result.message.map { ": \($0)" } ?? "")
  }
}

/// A finished task, as `Executor.completions(of:)` yields them.
public struct Completion: Sendable {
  /// The task's position in the array given to `completions(of:)`.
  public var index: Int
  /// The task.
  public var handle: TaskHandle
  /// Its result.
  public var result: TaskResult
}
