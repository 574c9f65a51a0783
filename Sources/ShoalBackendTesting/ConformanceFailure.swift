/// A backend that does not conform: which check, what was expected and seen, and the
/// backend's recent log lines.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
  /// The check that failed (`close`).
  public var check: String
  /// What was expected and what was seen.
  public var message: String
  /// The last lines the backend logged through `ClusterContext.log`.
  public var log: [String]

  /// A failure of `check`.
  public init(check: String, _ message: String, log: [String] = []) {
    self.check = check
    self.message = message
    self.log = log
  }

  public var description: String {
    var text = "conformance check `\(check)` failed: \(message)"
    if !log.isEmpty {
      text += "\n  backend log (last \(log.count) lines):\n"
      text += log.map { "    \($0)" }.joined(separator: "\n")
    }
    return text
  }
}
