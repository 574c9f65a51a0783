/// One worker group as `shoal ps` shows it.
public struct GroupStatus: Codable, Sendable, Hashable {
  /// The group's name.
  public var name: String
  /// Lower numbers fill first.
  public var priority: Int
  /// The backend class.
  public var clusterClass: String
  /// What each worker offers (`cpu=1,special=1`).
  public var resources: String
  /// The bounds.
  public var minimum: Int
  /// The upper bound; nil is none.
  public var maximum: Int?
  /// Workers asked of its backend.
  public var planned: Int
  /// Its workers connected now.
  public var connected: Int
  /// Whether adaptive scaling drives it (off after `shoal scale --group`).
  public var adaptive: Bool
  /// Its last up/down decision.
  public var lastDecision: String?
}
