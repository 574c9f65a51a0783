internal import CShoalPlugin
import ShoalCore

/// A plugin library that has been loaded and checked: what its table exports.
public struct LoadedPlugin: Sendable {
  /// The module name (`LocalBackend`).
  public var module: String
  /// The library's file.
  public var path: String
  /// The ABI version it declares (`2.1`).
  public var abiMajor: UInt32
  /// The ABI minor version it declares.
  public var abiMinor: UInt32
  /// What built it (`ShoalCore 0.2.0 (Swift)`, `C`).
  public var sdk: String
  /// Its cluster classes and factories, by name.
  public var classes: [String: PluginClass]
  /// Its tasks, by name.
  public var tasks: [String: TaskEntry]

  /// `2.1`.
  public var abiVersion: String { "\(abiMajor).\(abiMinor)" }
  /// The exported class names, sorted.
  public var classNames: [String] { classes.values.filter { !$0.isFactory }.map(\.name).sorted() }
  /// The exported factory names, sorted.
  public var factoryNames: [String] { classes.values.filter(\.isFactory).map(\.name).sorted() }
  /// The exported task names, sorted.
  public var taskNames: [String] { tasks.keys.sorted() }
  /// Every exported name: classes, factories and tasks.
  public var allNames: [String] { classNames + factoryNames + taskNames }
}

/// One cluster class (or factory) entry of a plugin's table.
public struct PluginClass: @unchecked Sendable {
  /// Its name.
  public let name: String
  /// Whether the plugin calls it a factory.
  public let isFactory: Bool
  /// The library it is in, for messages.
  public let library: String
  /// The plugin's ABI minor: which fields of the entry exist.
  let minor: UInt32
  /// The C entry; valid for the life of the process (libraries are never unloaded).
  let entry: UnsafePointer<shoal_cluster_class>
}

/// A backend class or factory that an import path resolved to.
public struct ResolvedBackend: Sendable {
  /// The import path, completed with its module.
  public var importPath: ImportPath
  /// The library file it came from.
  public var path: String
  /// Whether it is a factory function rather than a class.
  public var isFactory: Bool
  /// Makes a backend from `cluster_kwargs` (validating them; nothing starts).
  public var make: @Sendable (Kwargs) throws -> any ClusterBackend
}
