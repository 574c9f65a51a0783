internal import CShoalPlugin

/// The binary interface between the core and a plugin library: one C function,
/// `shoal_plugin_table`, returning a table of C function pointers
/// (`Sources/CShoalPlugin/include/shoal_plugin.h`, docs/plugin-abi.md).
///
/// A Swift plugin writes its entry point in one line; the SDK builds the table and
/// bridges every call to the plugin's `ClusterBackend` classes and `TaskFunction`s:
///
///     @_cdecl("shoal_plugin_table")
///     public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
///       PluginABI.table(host) { $0.export(MyCluster.self) }
///     }
///
/// Only C types cross: JSON bytes with lengths, opaque handles and callbacks. Each
/// plugin links its own copy of ShoalCore; nothing Swift is shared with the core
/// but the Swift runtime (so a Swift plugin is built with the same toolchain).
public enum PluginABI {
  /// The ABI major version: the core loads only plugins of its own major.
  public static let major = UInt32(SHOAL_ABI_MAJOR)
  /// The ABI minor version: the core loads plugins whose minor is at most its own.
  public static let minor = UInt32(SHOAL_ABI_MINOR)
  /// The version of this SDK (ShoalCore), shown by `shoal plugins`.
  public static let sdkVersion = "0.2.0"
  /// The name of the one C symbol every plugin exports.
  public static let tableSymbol = SHOAL_PLUGIN_TABLE_SYMBOL
  /// The name of the entry symbol of ABI 1 (Swift types across the boundary), recognized
  /// only to say that such a plugin must be rebuilt.
  public static let legacyEntrySymbol = "shoal_plugin_entry"

  /// The C type of the entry point.
  public typealias TableFunction = @convention(c) (UnsafeRawPointer?) -> UnsafeRawPointer?

  /// The body of a plugin's `shoal_plugin_table`: registers the exports once and
  /// returns the C table (the same one on every call).
  ///
  /// - Parameters:
  ///   - host: the core's `shoal_host` (unused by the SDK; the core checks versions).
  ///   - module: the plugin's module name; by default the module of the calling file.
  public static func table(
    _ host: UnsafeRawPointer?, module: String? = nil, fileID: String = #fileID,
    _ register: (PluginExports) -> Void
  ) -> UnsafeRawPointer? {
    PluginTable.shared.withLock { table in
      if let table { return table.pointer }
      let name = module ?? String(fileID.prefix { $0 != "/" })
      let exports = PluginExports(module: name)
      register(exports)
      let built = PluginTable(exports: exports)
      table = built
      return built.pointer
    }
  }
}
