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
    /// When the first of `messages` was queued.
    var since: ContinuousClock.Instant?
    /// The last results were sent with more on their way (the worker had tasks running
    /// or queued).
    var moreComing = false
    var closed = false
  }
  /// While results keep coming in, a flush waits for up to this many: half the
  /// scheduler's default prefetch, so the worker's own queue never runs dry waiting.
  static let holdLimit = 16
  /// While more results are on their way, the first one waiting goes out at most this
  /// long after it was queued, with whatever came meanwhile: one frame (one write here,
  /// one read and one forward at the scheduler) for several short commands instead of
  /// one each. Dask's workers batch their messages to the scheduler every 2 ms; a lone
  /// task's result (nothing else running or queued) goes out at once.
  static let hold: Duration = .milliseconds(2)
  private let clock = ContinuousClock()
  private let state = Mutex(State())
  private let wakeups: AsyncStream<Void>
  private let wake: AsyncStream<Void>.Continuation

  init() {
    (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
  }

  /// Queues `message`, merging results into the last queued `results` message.
  /// `moreComing` (for results): the worker has more tasks running or queued, so
  /// these may wait up to `hold` for company.
  func send(_ message: Message, moreComing: Bool = false) {
    let now = clock.now
    let queued = state.withLock { state -> Bool in
      guard !state.closed else { return false }
      if state.since == nil { state.since = now }
      if case .results(let new) = message {
        state.results += new.count
        state.moreComing = moreComing
      }
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

  /// Hands each batch of queued messages to `write` until the outbox is closed and
  /// empty. `sleep` waits while results are held (the session's loop timer).
  func drain(
    sleep: (Duration) async -> Void = { try? await Task.sleep(for: $0) },
    _ write: ([Message]) async throws -> Void
  ) async throws {
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
      if let wait = holdTime() { await sleep(wait) }
      try await flush(write)
    }
    try await flush(write)
  }

  /// How much longer the queued results may wait for more, if they may.
  private func holdTime() -> Duration? {
    let now = clock.now
    return state.withLock { state -> Duration? in
      guard state.moreComing, !state.closed, state.results > 0,
        state.results < Self.holdLimit, let since = state.since
      else { return nil }
      let waited = since.duration(to: now)
      return waited < Self.hold ? Self.hold - waited : nil
    }
  }

  private func flush(_ write: ([Message]) async throws -> Void) async throws {
    let messages = state.withLock { state -> [Message] in
      defer {
        state.messages = []
        state.results = 0
        state.since = nil
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
