import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A plugin library that has been loaded and has registered its exports.
public struct LoadedPlugin: Sendable {
  /// The module name (`LocalBackend`).
  public var module: String
  /// The library's file.
  public var path: String
  /// The ABI version it was built for (equal to `PluginABI.version`).
  public var abiVersion: Int32
  /// What it exports.
  public var exports: PluginExports
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

/// Finds plugin libraries on a search path, checks their ABI version, and resolves
/// import paths to backend classes, factories and tasks.
///
/// Libraries are loaded once per process and never unloaded (`dlclose` of a Swift
/// library is unsafe); the cache is process-wide.
public struct PluginLoader: Sendable {
  /// Where libraries are looked for.
  public var searchPath: PluginSearchPath

  /// A loader over `searchPath`.
  public init(searchPath: PluginSearchPath = .standard()) { self.searchPath = searchPath }

  /// Built-in backends, for bare class names.
  public static let builtinBackends: [String: String] = [
    "LocalCluster": "LocalBackend", "SSHCluster": "SSHBackend",
    "ContainerCluster": "ContainerBackend",
  ]

  private static let cache = Mutex<[String: LoadedPlugin]>([:])

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
          ? "the library was built against another build of ShoalCore; rebuild it against this shoal's"
          : nil)
    }
    // Never dlclose: Swift metadata from the library may be referenced anywhere.
    guard let symbol = dlsym(handle, PluginABI.entrySymbol) else {
      throw ShoalError(
        .notAPlugin,
        "\(path) is not a Shoal plugin: it has no `\(PluginABI.entrySymbol)` entry point",
        hint: "export one with @_cdecl(\"\(PluginABI.entrySymbol)\"); see docs/writing-a-backend.md"
      )
    }
    try checkSingleCore(handle: handle, path: path)
    let entry = unsafeBitCast(symbol, to: PluginABI.Entry.self)
    let version = entry(nil)
    guard version == PluginABI.version else {
      throw ShoalError(
        .abiMismatch,
        "\(path) was built for plugin ABI \(version); this shoal has ABI \(PluginABI.version)",
        hint: "rebuild the plugin against this ShoalCore with the same Swift toolchain")
    }
    let exports = PluginExports(module: module)
    _ = entry(Unmanaged.passUnretained(exports).toOpaque())
    let loaded = LoadedPlugin(module: module, path: path, abiVersion: version, exports: exports)
    return cache.withLock { cache in
      if let existing = cache[path] { return existing }
      cache[path] = loaded
      return loaded
    }
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
      if plugin.exports.backendClass(importPath.name) != nil
        || plugin.exports.factory(importPath.name) != nil
      {
        return try backend(named: importPath.name, in: plugin)
      }
      known += plugin.exports.classNames + plugin.exports.factoryNames
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
    // Every backend is made inside a kwargs audit: a key the backend never read is an error.
    if let type = plugin.exports.backendClass(name) {
      return ResolvedBackend(
        importPath: path, path: plugin.path, isFactory: false,
        make: { kwargs in
          try KwargsAudit.make(kwargs, backend: "\(path)") { try type.init(kwargs: $0) }
        })
    }
    if let factory = plugin.exports.factory(name) {
      return ResolvedBackend(
        importPath: path, path: plugin.path, isFactory: true,
        make: { kwargs in try KwargsAudit.make(kwargs, backend: "\(path)", factory) })
    }
    let exported = plugin.exports.classNames + plugin.exports.factoryNames
    throw ShoalError(
      .notExported,
      "no class or factory `\(name)` in \(plugin.module) (\(plugin.path)); it exports "
        + (exported.isEmpty ? "no backends" : exported.joined(separator: ", "))
        + Suggestion.didYouMean(name, in: exported),
      hint: PluginLoader.unexportedTypeExplanation(name, in: plugin))
  }

  /// Resolves the Swift task `name` in task library `module`.
  public func task(_ name: String, in module: String) throws -> AnyTask {
    let plugin = try load(module: module)
    guard let task = plugin.exports.task(name) else {
      let names = plugin.exports.taskNames
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
