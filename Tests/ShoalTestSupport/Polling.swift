/// Bounded waits for integration tests: poll a condition until it holds or time runs
/// out. They bound how long a test may wait; they never assert how fast anything is.

/// Polls `condition` every `poll` for up to `seconds`; whether it came to hold.
public func eventually(
  _ seconds: Double = 30, poll: Duration = .milliseconds(50),
  _ condition: () async -> Bool
) async -> Bool {
  let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
  while ContinuousClock.now < deadline {
    if await condition() { return true }
    try? await Task.sleep(for: poll)
  }
  return await condition()
}

/// Polls `condition` until it holds, for at most `timeout`; throws
/// `TimedOut("timed out waiting until WHAT")` when it never does.
public func eventually(
  _ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async throws {
  let deadline = ContinuousClock.now + timeout
  while ContinuousClock.now < deadline {
    if try await condition() { return }
    try await Task.sleep(for: .milliseconds(20))
  }
  throw TimedOut(message: "timed out waiting until \(what)")
}

/// A bounded wait that ran out.
public struct TimedOut: Error, CustomStringConvertible {
  /// What was waited for.
  public var message: String
  public var description: String { message }
}
