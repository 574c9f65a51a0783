import ShoalCore

/// One cluster declared under `clusters:` in `clusters.yaml`, with defaults filled in.
///
/// The three modes of a cluster:
/// - `local`: `LocalBackend.LocalCluster` (the default class) with a fixed size;
/// - `temporary`: any `cluster_class`, or a local cluster with `adapt_kwargs`, created
///   for one run and closed after it;
/// - `existing`: a running scheduler reached by `address`.
public struct ClusterSpec: Sendable {
  /// How the cluster comes to exist.
  public enum Mode: String, Sendable, CaseIterable {
    /// `LocalBackend.LocalCluster` without `adapt_kwargs`.
    case local
    /// A cluster of any class created for one run (or adaptive), closed after it.
    case temporary
    /// A running cluster reached by `address`.
    case existing
  }

  /// The class used when a cluster declares neither `cluster_class` nor `address`.
  public static let defaultClusterClass = "LocalBackend.LocalCluster"

  /// The cluster's name (its key under `clusters:`).
  public var name: String
  /// How the cluster comes to exist.
  public var mode: Mode
  /// The backend's import path (`Module.Type` or a bare `Type`), as written, or
  /// `LocalBackend.LocalCluster` when omitted; nil for an existing cluster.
  public var clusterClass: String?
  /// The backend's options, rooted at `clusters.NAME.cluster_kwargs` (empty when absent).
  public var clusterKwargs: Kwargs
  /// The adaptive scaling bounds from `adapt_kwargs`; nil when absent (fixed size).
  public var adapt: AdaptSettings?
  /// The raw `adapt_kwargs` node, for error positions.
  public var adaptKwargs: Kwargs?
  /// The scheduler address of an existing cluster (`tcp://host:port`).
  public var address: String?
  /// The file holding the token of an existing cluster (`token_file:`); nil: the
  /// token comes from `--token-file`, `$SHOAL_TOKEN` or the default token file.
  public var tokenFile: String?
  /// Time limits for calls into the backend plugin.
  public var timeouts: ClusterTimeouts
  /// Where its dashboard listens (`dashboard:`); nil when it has none (`dashboard: false`).
  public var dashboard: DashboardSetting? = .standard
  /// Where the cluster's name is written in the file.
  public var location: SourceLocation?
  /// Where `cluster_class` is written, when it is.
  public var clusterClassLocation: SourceLocation?
  /// What protects its connections (`security:`, the cluster's or the file's; `tls: auto`
  /// by default).
  public var security: ClusterSecurity = .auto
  /// The worker groups under `groups:`, in file order; nil for a cluster of one class
  /// (see `workerGroups`).
  public var groups: [WorkerGroupSpec]? = nil
  /// The key path of this cluster (`clusters.NAME`), or of the group it describes
  /// (`clusters.NAME.groups.GROUP`).
  public var keyPath: String

  /// A cluster spec. `clusterClass` defaults to `LocalBackend.LocalCluster` unless
  /// `address` is given; `mode` is derived from the class, `adapt` and `address`.
  public init(
    name: String, clusterClass: String? = nil, clusterKwargs: Kwargs? = nil,
    adapt: AdaptSettings? = nil, adaptKwargs: Kwargs? = nil, address: String? = nil,
    timeouts: ClusterTimeouts = ClusterTimeouts(), location: SourceLocation? = nil,
    clusterClassLocation: SourceLocation? = nil
  ) {
    self.name = name
    self.address = address
    self.clusterClass = address == nil ? (clusterClass ?? ClusterSpec.defaultClusterClass) : nil
    self.clusterKwargs =
      clusterKwargs ?? Kwargs.empty(path: "clusters.\(name).cluster_kwargs")
    self.adapt = adapt
    self.adaptKwargs = adaptKwargs
    self.timeouts = timeouts
    self.location = location
    self.clusterClassLocation = clusterClassLocation
    self.mode = ClusterSpec.mode(clusterClass: self.clusterClass, adaptive: adapt != nil)
    self.keyPath = "clusters.\(name)"
  }

  /// `existing` without a class, `local` for the local backend without adapt,
  /// `temporary` otherwise.
  public static func mode(clusterClass: String?, adaptive: Bool) -> Mode {
    guard let clusterClass else { return .existing }
    let isLocal =
      clusterClass == defaultClusterClass || clusterClass == "LocalCluster"
    return isLocal && !adaptive ? .local : .temporary
  }

  /// Whether the cluster scales adaptively (a cluster with groups always does).
  public var isAdaptive: Bool { adapt != nil || groups != nil }
}

/// Time limits for calls into a backend plugin, from `timeouts:` (seconds or
/// durations such as `"90s"`, `"2m"`). A plugin that exceeds one is reported as hung.
public struct ClusterTimeouts: Sendable, Hashable, Decodable {
  /// Limit for the backend's start (its `run` becoming ready and the first `scale`).
  public var start: Duration
  /// Limit for one `scale(to:)` or `stop(workers:)` call.
  public var scale: Duration
  /// Limit for closing the cluster (cancelling `run` until it returns).
  public var stop: Duration

  /// Timeouts; 60 seconds each by default.
  public init(
    start: Duration = .seconds(60), scale: Duration = .seconds(60), stop: Duration = .seconds(60)
  ) {
    self.start = start
    self.scale = scale
    self.stop = stop
  }

  enum CodingKeys: String, CodingKey { case start, scale, stop }

  /// Decodes `timeouts:`, each limit optional and greater than zero.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let defaults = ClusterTimeouts()
    func read(_ key: CodingKeys, _ fallback: Duration) throws -> Duration {
      guard let value = try container.decodeIfPresent(DurationValue.self, forKey: key) else {
        return fallback
      }
      guard value.duration > .zero else {
        throw DecodingError.dataCorruptedError(
          forKey: key, in: container,
          debugDescription: "\(key.stringValue) must be greater than 0")
      }
      return value.duration
    }
    start = try read(.start, defaults.start)
    scale = try read(.scale, defaults.scale)
    stop = try read(.stop, defaults.stop)
  }
}
