import ShoalCore
import ShoalPluginHost

/// A parsed and validated `clusters.yaml`.
///
///     version: 1
///     default: local
///     plugin_path: [~/shoal-plugins]
///     clusters:
///       local: {cluster_kwargs: {n_workers: 2}}
///       burst: {adapt_kwargs: {minimum: 0, maximum: 8}}
///       shared: {address: "tcp://scheduler.example:8786"}
///
/// Parsing checks everything that needs no plugin (types, unknown keys, `address`
/// conflicts, adapt bounds, `default`, `version`, import path syntax);
/// `validateBackends(loader:)` then loads each `cluster_class` and makes the backend,
/// which validates its `cluster_kwargs` without starting anything.
public struct ShoalConfig: Sendable {
  /// The file as the user named it (used in error positions); `<input>` for text.
  public var file: String
  /// The file's absolute path (empty for text that did not come from a file).
  public var absolutePath: String
  /// The format version (only 1 exists).
  public var version: Int
  /// The cluster used when none is named: `default`, or the only cluster declared.
  public var defaultCluster: String?
  /// Extra plugin folders from `plugin_path`, expanded and made absolute (relative
  /// paths are relative to the config file's folder).
  public var pluginPath: [String]
  /// The declared clusters, in file order.
  public var clusters: [ClusterSpec]
  /// The environment used for expansion; `$SHOAL_PLUGIN_PATH` is read from it too.
  public var environment: [String: String]

  /// The format versions this build reads.
  public static let supportedVersions = [1]

  /// A configuration from its parts.
  public init(
    file: String, absolutePath: String = "", version: Int = 1, defaultCluster: String? = nil,
    pluginPath: [String] = [], clusters: [ClusterSpec], environment: [String: String] = [:]
  ) {
    self.file = file
    self.absolutePath = absolutePath
    self.version = version
    self.defaultCluster = defaultCluster
    self.pluginPath = pluginPath
    self.clusters = clusters
    self.environment = environment
  }

  /// The configuration to use when no clusters.yaml exists: a single fixed-size
  /// cluster `local` of `LocalBackend.LocalCluster` with the backend's defaults.
  /// Commands that can run without a file (Dask's "a LocalCluster by default") use it;
  /// `discover` itself never falls back to it.
  public static func builtin(environment: [String: String]) -> ShoalConfig {
    ShoalConfig(
      file: "(built-in configuration)", defaultCluster: "local",
      clusters: [ClusterSpec(name: "local")], environment: environment)
  }

  /// The declared cluster names, in file order.
  public var clusterNames: [String] { clusters.map(\.name) }

  /// The cluster called `name`, or the default cluster when `name` is nil. An
  /// undeclared name is an error that lists the declared ones.
  public func cluster(named name: String?) throws -> ClusterSpec {
    guard let name = name ?? defaultCluster else {
      throw ShoalError(
        .unknownCluster,
        "\(file) declares \(clusters.count) clusters and no `default`; name one of: "
          + clusterNames.joined(separator: ", "),
        hint: "pass a cluster name, or add `default: NAME` to \(file)")
    }
    if let spec = clusters.first(where: { $0.name == name }) { return spec }
    throw ShoalError(
      .unknownCluster,
      "no cluster named `\(name)` in \(file)" + Suggestion.didYouMean(name, in: clusterNames),
      hint: "declared clusters: "
        + (clusterNames.isEmpty ? "(none)" : clusterNames.joined(separator: ", ")))
  }

  /// The plugin search path for this configuration: `--plugin-path`, then
  /// `$SHOAL_PLUGIN_PATH`, then `plugin_path`, then the folder of the running executable.
  public func searchPath(commandLinePluginPath: [String]) -> PluginSearchPath {
    .standard(commandLine: commandLinePluginPath, environment: environment, config: pluginPath)
  }

  /// A plugin loader over `searchPath(commandLinePluginPath:)`.
  public func loader(commandLinePluginPath: [String]) -> PluginLoader {
    PluginLoader(searchPath: searchPath(commandLinePluginPath: commandLinePluginPath))
  }
}
