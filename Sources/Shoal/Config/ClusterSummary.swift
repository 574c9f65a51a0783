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

extension ShoalConfig {
  /// A summary of every cluster, in file order.
  public var summaries: [ClusterSummary] {
    clusters.map { ClusterSummary($0, isDefault: $0.name == defaultCluster) }
  }
}

/// Everything `shoal clusters show NAME` prints: the spec with defaults filled in
/// and what its `cluster_class` resolves to.
public struct ClusterDetails: Sendable, Codable {
  /// The cluster's name.
  public var name: String
  /// Where it is declared (`FILE:LINE:COL`).
  public var declaredAt: String?
  /// `local`, `temporary` or `existing`.
  public var mode: String
  /// Whether this is the default cluster.
  public var isDefault: Bool
  /// The import path as written (or the default class).
  public var clusterClass: String?
  /// The resolved `Module.Type`.
  public var resolvedClass: String?
  /// The library file the class comes from.
  public var library: String?
  /// `class` or `factory`.
  public var kind: String?
  /// `cluster_kwargs` as written (after expansion).
  public var clusterKwargs: String?
  /// The backend's starting size when the cluster is not adaptive.
  public var initialWorkers: Int?
  /// The adapt settings with every default filled in (after the backend's clamp).
  public var adapt: Adapt?
  /// The scheduler address of an existing cluster.
  public var address: String?
  /// Time limits, in seconds.
  public var timeouts: Timeouts
  /// Why the backend could not be loaded, when it could not.
  public var error: String?

  /// Adapt settings with durations in seconds.
  public struct Adapt: Sendable, Codable, Hashable {
    public var minimum: Int
    public var maximum: Int?
    public var interval: Double
    public var waitCount: Int
    public var targetDuration: Double

    enum CodingKeys: String, CodingKey {
      case minimum, maximum, interval
      case waitCount = "wait_count"
      case targetDuration = "target_duration"
    }

    /// The settings in seconds.
    public init(_ settings: AdaptSettings) {
      minimum = settings.minimum
      maximum = settings.maximum
      interval = settings.interval.seconds
      waitCount = settings.waitCount
      targetDuration = settings.targetDuration.seconds
    }
  }

  /// Timeouts in seconds.
  public struct Timeouts: Sendable, Codable, Hashable {
    public var start: Double
    public var scale: Double
    public var stop: Double
  }

  enum CodingKeys: String, CodingKey {
    case name, mode, library, kind, adapt, address, timeouts, error
    case declaredAt = "declared_at"
    case isDefault = "default"
    case clusterClass = "cluster_class"
    case resolvedClass = "resolved_class"
    case clusterKwargs = "cluster_kwargs"
    case initialWorkers = "initial_workers"
  }

  /// The details of a checked cluster.
  public init(_ check: BackendCheck, isDefault: Bool) {
    let spec = check.cluster
    name = spec.name
    declaredAt = spec.location?.description
    mode = spec.mode.rawValue
    self.isDefault = isDefault
    clusterClass = spec.clusterClass
    resolvedClass = check.resolved?.importPath.description
    library = check.resolved?.path
    kind = check.resolved.map { $0.isFactory ? "factory" : "class" }
    clusterKwargs = spec.clusterClass == nil ? nil : spec.clusterKwargs.description
    initialWorkers = check.initialWorkers
    adapt = (check.adapt ?? spec.adapt).map(Adapt.init)
    address = spec.address
    timeouts = Timeouts(
      start: spec.timeouts.start.seconds, scale: spec.timeouts.scale.seconds,
      stop: spec.timeouts.stop.seconds)
    error = check.error?.description
  }
}
