import ShoalCore

/// Everything `shoal clusters show NAME` prints: the spec with defaults filled in
/// and what its `cluster_class` resolves to.
public struct ClusterDetails: Sendable, Encodable {
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
  public var clusterKwargs: Kwargs?
  /// The backend's starting size when the cluster is not adaptive.
  public var initialWorkers: Int?
  /// The adapt settings with every default filled in (after the backend's clamp).
  public var adapt: Adapt?
  /// The scheduler address of an existing cluster.
  public var address: String?
  /// Time limits, in seconds (nil for an existing cluster: Shoal starts nothing).
  public var timeouts: Timeouts?
  /// The adapt bounds as declared, when the backend adjusted them.
  public var declaredAdapt: Adapt?
  /// Why the backend adjusted the adapt bounds (`BackendCheck.adaptNote`).
  public var adaptNote: String?
  /// The token file of an existing cluster (`token_file:`).
  public var tokenFile: String?
  /// The `security:` setting as written, and what it protects.
  public var security: String
  /// What protects the cluster's connections, in words.
  public var protection: String
  /// Why the backend could not be loaded, when it could not.
  public var error: String?
  /// Each worker group, in file order, when the cluster declares `groups:` (then
  /// the cluster-level class, kwargs and adapt fields are nil: they are the groups').
  public var groups: [Group]?

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
    case name, mode, library, kind, adapt, address, timeouts, error, security, protection
    case declaredAt = "declared_at"
    case isDefault = "default"
    case clusterClass = "cluster_class"
    case resolvedClass = "resolved_class"
    case clusterKwargs = "cluster_kwargs"
    case initialWorkers = "initial_workers"
    case declaredAdapt = "declared_adapt"
    case adaptNote = "adapt_note"
    case tokenFile = "token_file"
    case groups
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .name)
    try container.encodeIfPresent(declaredAt, forKey: .declaredAt)
    try container.encode(mode, forKey: .mode)
    try container.encode(isDefault, forKey: .isDefault)
    try container.encodeIfPresent(clusterClass, forKey: .clusterClass)
    try container.encodeIfPresent(resolvedClass, forKey: .resolvedClass)
    try container.encodeIfPresent(library, forKey: .library)
    try container.encodeIfPresent(kind, forKey: .kind)
    try container.encodeIfPresent(clusterKwargs.map(KwargsJSON.init), forKey: .clusterKwargs)
    try container.encodeIfPresent(initialWorkers, forKey: .initialWorkers)
    try container.encodeIfPresent(adapt, forKey: .adapt)
    try container.encodeIfPresent(address, forKey: .address)
    try container.encodeIfPresent(timeouts, forKey: .timeouts)
    try container.encodeIfPresent(declaredAdapt, forKey: .declaredAdapt)
    try container.encodeIfPresent(adaptNote, forKey: .adaptNote)
    try container.encodeIfPresent(tokenFile, forKey: .tokenFile)
    try container.encode(security, forKey: .security)
    try container.encode(protection, forKey: .protection)
    try container.encodeIfPresent(error, forKey: .error)
    try container.encodeIfPresent(groups, forKey: .groups)
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
    // `Kwargs?.none`, not `nil`: Kwargs is ExpressibleByNilLiteral (a YAML null).
    clusterKwargs = spec.clusterClass == nil ? Kwargs?.none : spec.clusterKwargs
    initialWorkers = check.initialWorkers
    adapt = (check.adapt ?? spec.adapt).map(Adapt.init)
    address = spec.address
    tokenFile = spec.tokenFile
    timeouts =
      spec.address != nil
      ? nil
      : Timeouts(
        start: spec.timeouts.start.seconds, scale: spec.timeouts.scale.seconds,
        stop: spec.timeouts.stop.seconds)
    adaptNote = check.adaptNote
    declaredAdapt = adaptNote == nil ? nil : spec.adapt.map(Adapt.init)
    error = check.error?.description
    security = spec.security.description
    protection = ClusterSecurity.protection(of: spec)
    if spec.isGrouped {
      groups = check.groups.map(Group.init)
      clusterClass = nil
      resolvedClass = nil
      library = nil
      kind = nil
      clusterKwargs = Kwargs?.none
      initialWorkers = nil
      adapt = nil
      adaptNote = nil
      declaredAdapt = nil
    }
  }
}
