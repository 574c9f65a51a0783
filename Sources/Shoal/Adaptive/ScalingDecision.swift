/// What the adaptive policy recommends at one tick, with the reason in words.
///
///     scale up 1 -> 4: 200 queued x 0.2 s / 5 s target
public struct ScalingDecision: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The direction of a decision.
  public enum Action: String, Sendable, Hashable, Codable {
    /// Start workers now.
    case up
    /// Retire workers (after `wait_count` consecutive lower targets).
    case down
    /// Keep the current number.
    case same
  }

  /// The direction.
  public var action: Action
  /// The number of workers before.
  public var from: Int
  /// The number of workers after (equal to `from` for `.same`).
  public var to: Int
  /// The clamped target the load asked for at this tick (may differ from `to` while
  /// a scale-down waits for `wait_count`).
  public var target: Int
  /// Why: the load figures and bounds that gave the target.
  public var reason: String
  /// When it was made, in seconds since 1970 (the caller's clock).
  public var time: Double

  /// A decision.
  public init(action: Action, from: Int, to: Int, target: Int, reason: String, time: Double) {
    self.action = action
    self.from = from
    self.to = to
    self.target = target
    self.reason = reason
    self.time = time
  }

  /// `scale up 1 -> 4: REASON`, `scale down 4 -> 1: REASON`, `same 2: REASON`.
  public var description: String {
    switch action {
    case .up: return "scale up \(from) -> \(to): \(reason)"
    case .down: return "scale down \(from) -> \(to): \(reason)"
    case .same: return "same \(from): \(reason)"
    }
  }
}
