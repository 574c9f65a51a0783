#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Checks and explanations for the mistakes a plugin author makes: a library that
/// carries its own copy of ShoalCore, and a class that is not exported or does not
/// conform to `ClusterBackend`.
extension PluginLoader {
  /// A symbol every copy of ShoalCore defines: the metadata accessor of `PluginExports`.
  static let coreProbeSymbol = "$s9ShoalCore13PluginExportsCMa"

  /// Throws when the library behind `handle` resolves ShoalCore's symbols to a copy of
  /// its own instead of the process's `libShoalCore.so`: its classes would conform to
  /// another `ClusterBackend` than the core's, and its globals would exist twice.
  static func checkSingleCore(handle: UnsafeMutableRawPointer, path: String) throws {
    guard let core = dlopen(ImportPath.libraryFile(module: "ShoalCore"), RTLD_NOW | RTLD_NOLOAD),
      let ours = dlsym(core, coreProbeSymbol),
      let theirs = dlsym(handle, coreProbeSymbol), ours != theirs
    else { return }
    throw ShoalError(
      .notAPlugin,
      "\(path) carries its own copy of ShoalCore instead of linking"
        + " libShoalCore.so: its classes would not conform to this shoal's ClusterBackend",
      hint:
        "depend on the ShoalCore product of Shoal's Sources/ShoalCore package (a dynamic library),"
        + " not on a copy of its sources; `readelf -d` on the plugin must list NEEDED libShoalCore.so"
    )
  }

  /// Why `name` is not a backend of `plugin`, using the Swift runtime's type lookup:
  /// a conforming class the plugin forgot to export, or a type that is no backend.
  static func unexportedTypeExplanation(_ name: String, in plugin: LoadedPlugin) -> String? {
    let module = plugin.module
    let prefix = "\(module.utf8.count)\(module)\(name.utf8.count)\(name)"
    for (kind, suffix) in [("class", "C"), ("struct", "V"), ("enum", "O")] {
      guard let type = _typeByName(prefix + suffix) else { continue }
      if type is any ClusterBackend.Type {
        return "\(kind) `\(module).\(name)` conforms to ClusterBackend but the plugin does not"
          + " export it; add `$0.export(\(name).self)` to its shoal_plugin_entry"
      }
      return "\(kind) `\(module).\(name)` exists but does not conform to ClusterBackend"
        + (kind == "class" ? "" : " (backends are classes)")
        + "; only exported ClusterBackend classes and factories can be a cluster_class"
    }
    return nil
  }
}
