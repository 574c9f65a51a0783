/// Waits between attempts at something that keeps failing: doubled after each
/// failure, from `initial` up to `maximum`. Pure, so callers drive it with their own
/// failure counts and clocks (the supervisor's restarts, a backend's failing hosts).
public enum RetryDelay {
  /// The wait after `failures` consecutive failures (1: `initial`, 2: twice that, ...).
  public static func doubling(
    from initial: Duration, upTo maximum: Duration, afterFailures failures: Int
  ) -> Duration {
    var delay = initial
    var remaining = max(0, failures - 1)
    while remaining > 0 && delay < maximum {
      delay = delay * 2
      remaining -= 1
    }
    return min(delay, maximum)
  }
}
