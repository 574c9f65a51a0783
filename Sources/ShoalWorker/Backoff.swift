/// Exponential backoff with jitter for reconnecting: `initial`, doubled after each
/// failure up to `maximum`, each delay randomised by up to a quarter either way so
/// that many workers do not reconnect in lock step.
public struct Backoff: Sendable, Hashable {
  /// The first delay.
  public var initial: Duration
  /// The longest delay.
  public var maximum: Duration
  private var next: Duration

  /// A backoff from `initial` up to `maximum`.
  public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
    self.initial = initial
    self.maximum = maximum
    self.next = initial
  }

  /// The delay before the next attempt; doubles the one after it.
  public mutating func nextDelay() -> Duration {
    let base = next
    next = min(next * 2, maximum)
    let jitter = Double.random(in: 0.75...1.25)
    return base * jitter
  }

  /// Starts again from `initial` (after a successful connection).
  public mutating func reset() { next = initial }
}
