import ArgumentParser
import Foundation
import Shoal
import ShoalCore
import ShoalPluginHost

/// `--config FILE` and `--plugin-path DIR`, shared by every command that reads
/// `clusters.yaml` or loads plugins.
struct ConfigOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The clusters.yaml to read.",
      discussion:
        "Default: $SHOAL_CONFIG, then ./clusters.yaml, then ~/.config/shoal/clusters.yaml.",
      valueName: "file"))
  var config: String?

  @Option(
    name: .customLong("plugin-path"),
    help: ArgumentHelp(
      "A folder searched for plugin libraries before all others (repeatable; `a:b` works too).",
      valueName: "folder"))
  var pluginPath: [String] = []

  /// The process environment.
  var environment: [String: String] { ProcessInfo.processInfo.environment }

  /// Finds and parses the configuration (`--config`, `$SHOAL_CONFIG`, ./clusters.yaml, ...).
  func loadConfig() throws -> ShoalConfig {
    try ShoalConfig.discover(
      explicit: config, environment: environment,
      currentDirectory: FileManager.default.currentDirectoryPath)
  }

  /// Like `loadConfig`, but nil when no file exists and none was named explicitly.
  func loadConfigIfPresent() throws -> ShoalConfig? {
    do {
      return try loadConfig()
    } catch let error as ShoalError
      where error.code == .configNotFound && config == nil
      && (environment["SHOAL_CONFIG"] ?? "").isEmpty
    {
      return nil
    }
  }

  /// Like `loadConfig`, but the built-in configuration (one local cluster) when no
  /// file exists and none was named explicitly.
  func loadConfigOrBuiltin() throws -> ShoalConfig {
    try loadConfigIfPresent() ?? .builtin(environment: environment)
  }

  /// The plugin search path: `--plugin-path`, `$SHOAL_PLUGIN_PATH`, the config's
  /// `plugin_path`, the folder of this executable.
  func searchPath(config: ShoalConfig?) -> PluginSearchPath {
    config?.searchPath(commandLinePluginPath: pluginPath)
      ?? .standard(commandLine: pluginPath, environment: environment)
  }

  /// A plugin loader over `searchPath(config:)`.
  func loader(config: ShoalConfig?) -> PluginLoader {
    PluginLoader(searchPath: searchPath(config: config))
  }
}
