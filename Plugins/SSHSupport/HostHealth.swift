import ShoalCore

/// Whether a host may get new workers, and when a failing host is tried again: a
/// pure record, driven by the reconciler with explicit times so that tests control
/// the clock.
///
/// Each consecutive failure doubles the wait before the next attempt (2 s, 4 s, 8 s,
/// ... up to 60 s); a success clears it. While a host waits, placement routes new
/// workers to the other hosts instead of retrying it on every tick.
package struct HostHealth: Sendable, Hashable {
  /// Consecutive failures.
  package private(set) var failures = 0
  /// When the host may be tried again; nil when it is healthy.
  package private(set) var retryAt: ContinuousClock.Instant?
  /// Why the host last failed.
  package private(set) var reason: String?

  /// A healthy host.
  package init() {}

  /// The wait after the first failure.
  package static let initialBackoff: Duration = .seconds(2)
  /// The longest wait.
  package static let maximumBackoff: Duration = .seconds(60)

  /// Whether new workers may be placed on the host at `now`.
  package func usable(at now: ContinuousClock.Instant) -> Bool {
    guard let retryAt else { return true }
    return now >= retryAt
  }

  /// Whether the host is failing (in backoff, or due for another attempt).
  package var isFailing: Bool { failures > 0 }

  /// The wait after `failures` consecutive failures.
  package static func backoff(afterFailures failures: Int) -> Duration {
    Backoff(initial: initialBackoff, maximum: maximumBackoff).delay(afterFailures: failures)
  }

  /// Records a failure at `now`; returns the wait before the next attempt.
  @discardableResult
  package mutating func failed(_ reason: String, at now: ContinuousClock.Instant) -> Duration {
    failures += 1
    self.reason = reason
    let delay = HostHealth.backoff(afterFailures: failures)
    retryAt = now + delay
    return delay
  }

  /// Records a success: the host is healthy again.
  package mutating func succeeded() {
    failures = 0
    retryAt = nil
    reason = nil
  }
}

extension Duration {
  /// `2 s`, `1.5 s`, `500 ms`: for messages.
  package var text: String {
    let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    if milliseconds < 1000 { return "\(milliseconds) ms" }
    if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
    return "\(Double(milliseconds) / 1000) s"
  }
}
