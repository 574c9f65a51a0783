import ShoalWire
import Synchronization

/// Messages waiting to be written to the scheduler, coalesced: results that pile up
/// while a write is in flight go out together, in batches of about
/// `WireProtocol.batchTargetSize`, so that throughput does not pay one frame per task.
final class Outbox: Sendable {
  private struct State {
    var messages: [Message] = []
    /// Results among `messages`.
    var results = 0
    var closed = false
  }
  /// While results keep coming in, a flush waits for up to this many: half the
  /// scheduler's default prefetch, so the worker's own queue never runs dry waiting.
  static let holdLimit = 16
  private let state = Mutex(State())
  private let wakeups: AsyncStream<Void>
  private let wake: AsyncStream<Void>.Continuation

  init() {
    (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
  }

  /// Queues `message`, merging results into the last queued `results` message.
  func send(_ message: Message) {
    let queued = state.withLock { state -> Bool in
      guard !state.closed else { return false }
      if case .results(let new) = message { state.results += new.count }
      if case .results(let new) = message, case .results(let old)? = state.messages.last {
        state.messages[state.messages.count - 1] = .results(old + new)
      } else if case .handBack(let new) = message, case .handBack(let old)? = state.messages.last {
        state.messages[state.messages.count - 1] = .handBack(old + new)
      } else {
        state.messages.append(message)
      }
      return true
    }
    if queued { wake.yield() }
  }

  /// Accepts nothing more; `drain` returns once what is queued has been handed out.
  func close() {
    state.withLock { $0.closed = true }
    wake.finish()
  }

  /// Hands each batch of queued messages to `write` until the outbox is closed and empty.
  func drain(_ write: ([Message]) async throws -> Void) async throws {
    for await _ in wakeups {
      // Let the tasks that are finishing right now add their results first: one frame
      // and one syscall for all of them instead of one each. While more keep arriving
      // (tiny tasks run back to back from the worker's queue) wait a little longer, up
      // to `holdLimit` results; a lone result waits for one yield, as before.
      var seen = state.withLock { $0.results }
      while true {
        await Task.yield()
        let now = state.withLock { $0.results }
        guard now > seen, now < Self.holdLimit else { break }
        seen = now
      }
      try await flush(write)
    }
    try await flush(write)
  }

  private func flush(_ write: ([Message]) async throws -> Void) async throws {
    let messages = state.withLock { state -> [Message] in
      defer {
        state.messages = []
        state.results = 0
      }
      return state.messages
    }
    guard !messages.isEmpty else { return }
    var frames: [Message] = []
    for message in messages {
      if case .results(let results) = message {
        for batch in wireBatches(results, size: { $0.result.estimatedWireSize + 8 }) {
          frames.append(.results(batch))
        }
      } else {
        frames.append(message)
      }
    }
    try await write(frames)
  }
}
