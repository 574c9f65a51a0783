import ShoalCore
import ShoalWire

extension ClusterDetails {
  /// One worker group of a cluster with `groups:`, as `shoal clusters show` prints it:
  /// its backend resolved, its adapt bounds as the backend grants them, what each of
  /// its workers offers, its place in the fill order and its idle timeout.
  public struct Group: Sendable, Encodable {
    /// The group's name (its key under `groups:`).
    public var name: String
    /// Where the group is declared (`FILE:LINE:COL`).
    public var declaredAt: String?
    /// The import path as written (or the default class).
    public var clusterClass: String?
    /// The resolved `Module.Type`.
    public var resolvedClass: String?
    /// The library file the class comes from.
    public var library: String?
    /// `class` or `factory`.
    public var kind: String?
    /// `cluster_kwargs` as written (after expansion).
    public var clusterKwargs: Kwargs
    /// The adapt settings with every default filled in (after the backend's clamp).
    public var adapt: Adapt
    /// The adapt bounds as declared, when the backend adjusted them.
    public var declaredAdapt: Adapt?
    /// Why the backend adjusted the adapt bounds.
    public var adaptNote: String?
    /// What each worker offers besides its slots, by name (`gpu`: `1`, `memory`: `16G`).
    public var resources: [String: String]
    /// Lower numbers fill first.
    public var priority: Int
    /// How long an idle worker stays, in seconds (nil: by `wait_count` alone).
    public var idleTimeout: Double?
    /// Why the group's backend could not be loaded, when it could not.
    public var error: String?

    enum CodingKeys: String, CodingKey {
      case name, library, kind, adapt, resources, priority, error
      case declaredAt = "declared_at"
      case clusterClass = "cluster_class"
      case resolvedClass = "resolved_class"
      case clusterKwargs = "cluster_kwargs"
      case declaredAdapt = "declared_adapt"
      case adaptNote = "adapt_note"
      case idleTimeout = "idle_timeout"
    }

    /// The details of a checked group.
    public init(_ groupCheck: GroupCheck) {
      let group = groupCheck.group
      let check = groupCheck.check
      let spec = group.backend
      name = group.name
      declaredAt = group.location?.description
      clusterClass = spec.clusterClass
      resolvedClass = check.resolved?.importPath.description
      library = check.resolved?.path
      kind = check.resolved.map { $0.isFactory ? "factory" : "class" }
      clusterKwargs = spec.clusterKwargs
      adapt = Adapt(check.adapt ?? spec.adapt ?? AdaptSettings())
      adaptNote = check.adaptNote
      declaredAdapt = adaptNote == nil ? nil : spec.adapt.map(Adapt.init)
      resources = Dictionary(
        uniqueKeysWithValues: group.resources.entries.map {
          ($0.name, ResourceSet.format(milli: $0.milli))
        })
      priority = group.priority
      idleTimeout = group.idleTimeout?.seconds
      error = check.error?.description
    }

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(name, forKey: .name)
      try container.encodeIfPresent(declaredAt, forKey: .declaredAt)
      try container.encodeIfPresent(clusterClass, forKey: .clusterClass)
      try container.encodeIfPresent(resolvedClass, forKey: .resolvedClass)
      try container.encodeIfPresent(library, forKey: .library)
      try container.encodeIfPresent(kind, forKey: .kind)
      try container.encode(KwargsJSON(clusterKwargs), forKey: .clusterKwargs)
      try container.encode(adapt, forKey: .adapt)
      try container.encodeIfPresent(declaredAdapt, forKey: .declaredAdapt)
      try container.encodeIfPresent(adaptNote, forKey: .adaptNote)
      try container.encode(resources, forKey: .resources)
      try container.encode(priority, forKey: .priority)
      try container.encode(idleTimeout, forKey: .idleTimeout)
      try container.encodeIfPresent(error, forKey: .error)
    }
  }
}
