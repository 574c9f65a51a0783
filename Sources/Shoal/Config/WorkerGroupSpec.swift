import ShoalCore
import ShoalWire

/// One worker group of a cluster declared with `groups:`: its own backend
/// (`cluster_class`, `cluster_kwargs`), its own adaptive bounds, the resources each
/// of its workers offers, its place in the fill order, and how long an idle worker
/// stays.
///
///     clusters:
///       mixed:
///         groups:
///           local: {adapt_kwargs: {maximum: 2}}            # priority 0: fills first
///           gpus:
///             cluster_class: SSHBackend.SSHCluster
///             cluster_kwargs: {hosts: [gpu1, gpu2]}
///             adapt_kwargs: {minimum: 0, maximum: 2}
///             resources: {gpu: 1, memory: 16G}
///             priority: 1
///             idle_timeout: 60s
///
/// A cluster without `groups:` is one group named `default` (`ClusterSpec.workerGroups`).
public struct WorkerGroupSpec: Sendable {
  /// The group's name (its key under `groups:`), or `default`.
  public var name: String
  /// The group's backend as a cluster spec: `cluster_class`, `cluster_kwargs` and
  /// `adapt_kwargs` (its own minimum and maximum), key paths under the group.
  public var backend: ClusterSpec
  /// What each worker offers besides its slots (`cpu` defaults to the slots).
  public var resources: ResourceSet
  /// Lower numbers fill first (0 by default).
  public var priority: Int
  /// An idle worker of the group is retired only after this long; nil: by
  /// `wait_count` alone, as a cluster without groups.
  public var idleTimeout: Duration?
  /// Where the group's name is written.
  public var location: SourceLocation?

  /// A group.
  public init(
    name: String, backend: ClusterSpec, resources: ResourceSet = ResourceSet(), priority: Int = 0,
    idleTimeout: Duration? = nil, location: SourceLocation? = nil
  ) {
    self.name = name
    self.backend = backend
    self.resources = resources
    self.priority = priority
    self.idleTimeout = idleTimeout
    self.location = location
  }

  /// The name of the single group of a cluster without `groups:`.
  public static let defaultName = "default"

  /// The key path of the group (`clusters.NAME.groups.GROUP`).
  public var keyPath: String { backend.keyPath }
}

extension ClusterSpec {
  /// The cluster's worker groups, in priority order (then file order): those under
  /// `groups:`, or the cluster itself as one group named `default`.
  public var workerGroups: [WorkerGroupSpec] {
    guard let groups else {
      return [WorkerGroupSpec(name: WorkerGroupSpec.defaultName, backend: self)]
    }
    return groups.enumerated().sorted {
      ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset)
    }
    .map(\.element)
  }

  /// Whether the cluster declares `groups:`.
  public var isGrouped: Bool { groups != nil }
}
