/// The scheduler cannot answer: its event loop has shut down.
public struct SchedulerStopped: Error, Sendable, CustomStringConvertible {
  /// What the event loop reported.
  public let reason: String

  /// The error, with what the event loop reported.
  public init(reason: String) { self.reason = reason }

  public var description: String {
    "the scheduler has stopped and cannot report its load (\(reason))"
  }
}
