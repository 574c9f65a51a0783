/// Waits between attempts at something that keeps failing: `initial`, doubled after
/// each failure up to `maximum`, each wait optionally randomised by up to `jitter`
/// (a fraction) either way, so that many peers do not retry in lock step.
///
/// Callers that count failures themselves (the supervisor's restarts, a backend's
/// failing hosts) use `delay(afterFailures:)`; a reconnect loop keeps one value and
/// calls `nextDelay()` after each failure and `reset()` after a success.
public struct Backoff: Sendable, Hashable {
  /// The first delay.
  public var initial: Duration
  /// The longest delay (before jitter).
  public var maximum: Duration
  /// How far each delay is randomised either way, as a fraction of it (0: not at
  /// all, 0.25: between 75 % and 125 %).
  public var jitter: Double
  private var failures = 0

  /// A backoff from `initial` up to `maximum`, randomised by `jitter` (0...1).
  public init(
    initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5), jitter: Double = 0
  ) {
    precondition((0...1).contains(jitter), "jitter must be within 0...1, found \(jitter)")
    self.initial = initial
    self.maximum = maximum
    self.jitter = jitter
  }

  /// The wait after `failures` consecutive failures (1: `initial`, 2: twice that,
  /// ...), up to `maximum`, randomised by `jitter`.
  public func delay(afterFailures failures: Int) -> Duration {
    var delay = initial
    var remaining = max(0, failures - 1)
    while remaining > 0 && delay < maximum {
      delay = delay * 2
      remaining -= 1
    }
    delay = min(delay, maximum)
    guard jitter > 0 else { return delay }
    return delay * Double.random(in: (1 - jitter)...(1 + jitter))
  }

  /// The delay before the next attempt; the one after it is twice as long.
  public mutating func nextDelay() -> Duration {
    failures = min(failures + 1, 64)  // 2^63 times `initial` is past any maximum
    return delay(afterFailures: failures)
  }

  /// Starts again from `initial` (after a success).
  public mutating func reset() { failures = 0 }
}
