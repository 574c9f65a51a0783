import ShoalCore
import ShoalPluginHost

#if canImport(Glibc)
  import Glibc
#endif

/// What `shoal plugins` shows: the search path and every library on it.
public struct PluginReport: Sendable, Codable {
  /// One folder of the search path.
  public struct Folder: Sendable, Codable, Hashable {
    /// The folder.
    public var path: String
    /// Where it came from (`--plugin-path`, `$SHOAL_PLUGIN_PATH`, ...).
    public var origin: String
    /// Whether the folder exists.
    public var exists: Bool
  }

  /// One library found on the path.
  public struct Library: Sendable, Codable, Hashable {
    /// The module name (`LocalBackend`).
    public var module: String
    /// The library file.
    public var path: String
    /// The plugin ABI version it declares (`2.1`), when it loaded.
    public var abiVersion: String?
    /// What built it (`ShoalCore 0.2.0 (Swift)`, `C`), when it loaded.
    public var sdk: String?
    /// Exported backend classes.
    public var classes: [String]
    /// Exported factory functions.
    public var factories: [String]
    /// Exported Swift tasks.
    public var tasks: [String]
    /// Why it could not be loaded.
    public var error: String?

    enum CodingKeys: String, CodingKey {
      case module, path, classes, factories, tasks, error, sdk
      case abiVersion = "abi_version"
    }
  }

  /// The search path, in order.
  public var searchPath: [Folder]
  /// The libraries, in search order (the first of each name only).
  public var libraries: [Library]
  /// The plugin ABI version this shoal loads (`2.1`: majors 2, minors 0 to 1).
  public var abiVersion: String

  enum CodingKeys: String, CodingKey {
    case libraries
    case searchPath = "search_path"
    case abiVersion = "abi_version"
  }

  /// Loads every library on `loader`'s search path and records what it exports.
  public init(loader: PluginLoader) {
    abiVersion = PluginLoader.abiVersion
    searchPath = loader.searchPath.folders.map {
      var info = stat()
      let exists = stat($0.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
      return Folder(path: $0.path, origin: $0.origin, exists: exists)
    }
    libraries = loader.discover().map { module, path, result in
      switch result {
      case .success(let plugin):
        return Library(
          module: module, path: path, abiVersion: plugin.abiVersion, sdk: plugin.sdk,
          classes: plugin.classNames, factories: plugin.factoryNames, tasks: plugin.taskNames,
          error: nil)
      case .failure(let error):
        return Library(
          module: module, path: path, abiVersion: nil, sdk: nil, classes: [], factories: [],
          tasks: [],
          error: error.description)
      }
    }
  }
}
