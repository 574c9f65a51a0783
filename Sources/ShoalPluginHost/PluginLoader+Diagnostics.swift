import ShoalCore
import ShoalPluginHost

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Explanations for the mistakes a plugin author makes.
extension PluginLoader {
  /// Why `name` is not a backend of `plugin`: a Swift type of that name exists in the
  /// library (found through the Swift runtime's type lookup) but is not exported.
  static func unexportedTypeExplanation(_ name: String, in plugin: LoadedPlugin) -> String? {
    let module = plugin.module
    let prefix = "\(module.utf8.count)\(module)\(name.utf8.count)\(name)"
    for (kind, suffix) in [("class", "C"), ("struct", "V"), ("enum", "O")] {
      guard _typeByName(prefix + suffix) != nil else { continue }
      return "\(kind) `\(module).\(name)` exists in the library but is not exported; if it is a"
        + " ClusterBackend class, add `$0.export(\(name).self)` to its `\(PluginABI.tableSymbol)`"
        + (kind == "class" ? "" : " (backends are classes)")
    }
    return nil
  }
}
