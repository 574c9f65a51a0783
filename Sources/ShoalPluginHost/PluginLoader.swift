internal import CShoalPlugin
import ShoalCore
import ShoalPluginHost
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Finds plugin libraries on a search path, checks their ABI version, and resolves
/// import paths to backend classes, factories and tasks.
///
/// Libraries are opened `RTLD_NOW | RTLD_LOCAL` (nothing of a plugin binds to
/// another's symbols), once per process, and never closed (`dlclose` of a Swift
/// library is unsafe); the cache is process-wide.
public struct PluginLoader: Sendable {
  /// Where libraries are looked for.
  public var searchPath: PluginSearchPath

  /// A loader over `searchPath`.
  public init(searchPath: PluginSearchPath = .standard()) { self.searchPath = searchPath }

  /// The ABI version the core speaks (`2.1`).
  public static var abiVersion: String { "\(PluginABI.major).\(PluginABI.minor)" }

  /// Built-in backends, for bare class names.
  public static let builtinBackends: [String: String] = [
    "LocalCluster": "LocalBackend", "SSHCluster": "SSHBackend",
    "ContainerCluster": "ContainerBackend", "SlurmCluster": "SlurmBackend",
  ]

  private static let cache = Mutex<[String: LoadedPlugin]>([:])

  /// The version of `shoal` handed to plugins in `shoal_host`.
  private struct HostVersion: @unchecked Sendable { let pointer = strdup(PluginABI.sdkVersion) }
  private static let hostVersion = HostVersion()

  /// Loads `libModule.so` from the search path.
  public func load(module: String) throws -> LoadedPlugin {
    guard let path = searchPath.find(module: module) else {
      // A misspelt module (`SleepBackend` for libSleepyBackend.so) gets a suggestion
      // among the libraries that are on the path.
      let libraries = searchPath.libraries()
      let near = Suggestion.closest(to: module, in: libraries.map(\.module)).flatMap { name in
        libraries.first { $0.module == name }
      }
      throw ShoalError(
        .pluginNotFound,
        "no plugin library `\(ImportPath.libraryFile(module: module))` for module `\(module)`"
          + (near.map { " (did you mean `\($0.module)`, \($0.path)?)" } ?? "")
          + "; searched:\n\(searchPath.listing)",
        hint:
          "build it (`swift build`), then put the .so in one of these folders, set SHOAL_PLUGIN_PATH, or pass --plugin-path"
      )
    }
    return try PluginLoader.load(path: path, module: module)
  }

  /// Loads the library at `path` as plugin `module`.
  public static func load(path: String, module: String) throws -> LoadedPlugin {
    if let loaded = cache.withLock({ $0[path] }) { return loaded }
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
      let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
      throw ShoalError(
        .notAPlugin, "cannot load \(path): \(reason)",
        hint: reason.contains("undefined symbol")
          ? "the library needs a symbol this process lacks; a Swift plugin must be built with"
            + " the same Swift toolchain as this shoal" : nil)
    }
    // Never dlclose: Swift metadata from the library may be referenced anywhere.
    guard let symbol = dlsym(handle, PluginABI.tableSymbol) else {
      if dlsym(handle, PluginABI.legacyEntrySymbol) != nil {
        throw ShoalError(
          .abiMismatch,
          "\(path) was built for plugin ABI 1 (Swift types across the boundary, entry"
            + " `\(PluginABI.legacyEntrySymbol)`); this shoal loads plugin ABI \(abiVersion)",
          hint: "rebuild the plugin against ShoalCore \(PluginABI.sdkVersion) or later; its entry"
            + " point becomes `@_cdecl(\"\(PluginABI.tableSymbol)\")` (docs/writing-a-backend.md)")
      }
      throw ShoalError(
        .notAPlugin,
        "\(path) is not a Shoal plugin: it has no `\(PluginABI.tableSymbol)` entry point",
        hint: "export one with @_cdecl(\"\(PluginABI.tableSymbol)\") (Swift) or as a C function"
          + " (docs/plugin-abi.md)")
    }
    let tableFunction = unsafeBitCast(symbol, to: PluginABI.TableFunction.self)
    var host = shoal_host(
      abi_major: PluginABI.major, abi_minor: PluginABI.minor,
      shoal_version: UnsafePointer(hostVersion.pointer))
    guard let raw = withUnsafePointer(to: &host, { tableFunction(UnsafeRawPointer($0)) }) else {
      throw ShoalError(
        .notAPlugin,
        "\(path): `\(PluginABI.tableSymbol)` returned NULL (the plugin refused this"
          + " shoal, plugin ABI \(abiVersion))",
        hint: "see the plugin's documentation for the shoal versions it supports; rebuild it"
          + " against this shoal's ShoalCore")
    }
    let table = raw.assumingMemoryBound(to: shoal_plugin.self).pointee
    try checkVersion(major: table.abi_major, minor: table.abi_minor, path: path)
    let loaded = try read(table, path: path, module: module)
    return cache.withLock { cache in
      if let existing = cache[path] { return existing }
      cache[path] = loaded
      return loaded
    }
  }

  /// Refuses a plugin of another major, or of a newer minor, than this core.
  static func checkVersion(major: UInt32, minor: UInt32, path: String) throws {
    guard major != PluginABI.major || minor > PluginABI.minor else { return }
    let older = major < PluginABI.major
    throw ShoalError(
      .abiMismatch,
      "\(path) was built for plugin ABI \(major).\(minor); this shoal loads plugin ABI"
        + " \(PluginABI.major).0 to \(abiVersion)",
      hint: older || major == PluginABI.major
        ? (older
          ? "rebuild the plugin against this shoal's ShoalCore (\(PluginABI.sdkVersion))"
          : "the plugin needs a newer shoal: upgrade shoal, or build the plugin against the"
            + " ShoalCore version of this one (\(PluginABI.sdkVersion))")
        : "the plugin needs a newer shoal (plugin ABI \(major)); upgrade shoal")
  }

  /// Reads the table's classes and tasks, checking what can be checked.
  private static func read(_ table: shoal_plugin, path: String, module: String) throws
    -> LoadedPlugin
  {
    func malformed(_ what: String) -> ShoalError {
      ShoalError(
        .notAPlugin, "\(path): its plugin table is malformed: \(what)",
        hint: "see docs/plugin-abi.md for the table's layout")
    }
    guard table.class_count <= 10_000, table.task_count <= 100_000 else {
      throw malformed("\(table.class_count) classes and \(table.task_count) tasks")
    }
    var classes: [String: PluginClass] = [:]
    for index in 0..<table.class_count {
      guard let entry = table.classes?[index], let name = entry.pointee.name else {
        throw malformed("class \(index) is NULL or has no name")
      }
      let text = String(cString: name)
      guard entry.pointee.create != nil, entry.pointee.describe != nil, entry.pointee.adapt != nil,
        entry.pointee.run != nil, entry.pointee.cancel_run != nil, entry.pointee.scale != nil,
        entry.pointee.stop_workers != nil, entry.pointee.workers != nil,
        entry.pointee.release != nil
      else { throw malformed("class `\(text)` lacks a required function") }
      classes[text] = PluginClass(
        name: text, isFactory: entry.pointee.is_factory != 0, library: path, minor: table.abi_minor,
        entry: entry)
    }
    var tasks: [String: TaskEntry] = [:]
    for index in 0..<table.task_count {
      guard let entry = table.tasks?[index], entry.pointee.name != nil,
        entry.pointee.input_type != nil, entry.pointee.output_type != nil,
        entry.pointee.start != nil
      else { throw malformed("task \(index) is NULL or incomplete") }
      let task = TaskEntry(entry: entry, library: path)
      tasks[task.name] = task
    }
    return LoadedPlugin(
      module: module, path: path, abiMajor: table.abi_major, abiMinor: table.abi_minor,
      sdk: table.sdk.map { String(cString: $0) } ?? "unknown", classes: classes, tasks: tasks)
  }

  /// Resolves a `cluster_class` (`Module.Name`, or a bare `Name` among the built-in
  /// backends and then every plugin on the path) to a class or factory.
  public func backend(_ text: String) throws -> ResolvedBackend {
    let importPath = try ImportPath(parsing: text)
    if let module = importPath.module ?? PluginLoader.builtinBackends[importPath.name] {
      return try backend(named: importPath.name, in: try load(module: module))
    }
    var searched: [String] = []
    var known = Array(PluginLoader.builtinBackends.keys)
    for (module, path) in searchPath.libraries() {
      guard let plugin = try? PluginLoader.load(path: path, module: module) else { continue }
      searched.append(module)
      if plugin.classes[importPath.name] != nil {
        return try backend(named: importPath.name, in: plugin)
      }
      known += plugin.classNames + plugin.factoryNames
    }
    throw ShoalError(
      .notExported,
      "no plugin on the search path exports `\(importPath.name)`"
        + (searched.isEmpty ? "" : " (looked in \(searched.joined(separator: ", ")))")
        + Suggestion.didYouMean(importPath.name, in: known.sorted()),
      hint:
        "write `Module.\(importPath.name)` to name its library; searched:\n\(searchPath.listing)")
  }

  private func backend(named name: String, in plugin: LoadedPlugin) throws -> ResolvedBackend {
    let path = ImportPath(module: plugin.module, name: name)
    guard let pluginClass = plugin.classes[name] else {
      let exported = plugin.classNames + plugin.factoryNames
      throw ShoalError(
        .notExported,
        "no class or factory `\(name)` in \(plugin.module) (\(plugin.path)); it exports "
          + (exported.isEmpty ? "no backends" : exported.joined(separator: ", "))
          + Suggestion.didYouMean(name, in: exported),
        hint: PluginLoader.unexportedTypeExplanation(name, in: plugin))
    }
    return ResolvedBackend(
      importPath: path, path: plugin.path, isFactory: pluginClass.isFactory,
      make: { kwargs in try PluginBackend(class: pluginClass, kwargs: kwargs, label: "\(path)") })
  }

  /// Resolves the Swift task `name` in task library `module`.
  public func task(_ name: String, in module: String) throws -> TaskEntry {
    let plugin = try load(module: module)
    guard let task = plugin.tasks[name] else {
      let names = plugin.taskNames
      throw ShoalError(
        .notExported,
        "no task `\(name)` in task library \(module) (\(plugin.path)); it exports "
          + (names.isEmpty ? "no tasks" : names.joined(separator: ", "))
          + Suggestion.didYouMean(name, in: names))
    }
    return task
  }

  /// Every library on the search path, loaded, or the error that stopped it.
  public func discover() -> [(
    module: String, path: String, result: Result<LoadedPlugin, ShoalError>
  )] {
    searchPath.libraries().map { module, path in
      do {
        return (module, path, .success(try PluginLoader.load(path: path, module: module)))
      } catch let error as ShoalError {
        return (module, path, .failure(error))
      } catch {
        return (module, path, .failure(ShoalError(.notAPlugin, "\(error)")))
      }
    }
  }
}
