import ShoalCore

/// One row of `shoal clusters`: what a cluster is, without loading its plugin.
public struct ClusterSummary: Sendable, Codable, Hashable {
  /// The cluster's name.
  public var name: String
  /// `local`, `temporary` or `existing`.
  public var mode: String
  /// The import path, for created clusters.
  public var clusterClass: String?
  /// The scheduler address, for existing clusters.
  public var address: String?
  /// The adaptive bounds, when the cluster is adaptive.
  public var adapt: AdaptBounds?
  /// Whether this is the configuration's default cluster.
  public var isDefault: Bool
  /// The bounds after the backend adjusted them (to its capacity), when it did;
  /// filled in only by callers that load the backend (`shoal clusters`).
  public var effectiveAdapt: AdaptBounds?
  /// Why the backend adjusted the bounds (`BackendCheck.adaptNote`).
  public var adaptNote: String?

  /// `minimum` and `maximum` (nil: no maximum).
  public struct AdaptBounds: Sendable, Codable, Hashable {
    /// Never fewer workers than this.
    public var minimum: Int
    /// Never more workers than this; nil is no maximum.
    public var maximum: Int?
  }

  enum CodingKeys: String, CodingKey {
    case name, mode, address, adapt
    case clusterClass = "cluster_class"
    case isDefault = "default"
    case effectiveAdapt = "effective_adapt"
    case adaptNote = "adapt_note"
  }

  /// The summary of `spec`.
  public init(_ spec: ClusterSpec, isDefault: Bool) {
    name = spec.name
    mode = spec.mode.rawValue
    clusterClass = spec.clusterClass
    address = spec.address
    adapt = spec.adapt.map { AdaptBounds(minimum: $0.minimum, maximum: $0.maximum) }
    self.isDefault = isDefault
  }
}

extension ClusterSummary.AdaptBounds {
  /// The bounds of `settings`.
  public init(_ settings: AdaptSettings) {
    self.init(minimum: settings.minimum, maximum: settings.maximum)
  }

  /// `MIN..MAX` (`∞` when there is no maximum).
  public var text: String { "\(minimum)..\(maximum.map(String.init) ?? "∞")" }
}

extension ShoalConfig {
  /// A summary of every cluster, in file order.
  public var summaries: [ClusterSummary] {
    clusters.map { ClusterSummary($0, isDefault: $0.name == defaultCluster) }
  }
}
