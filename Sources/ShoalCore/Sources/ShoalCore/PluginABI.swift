/// The binary interface between the core and a plugin library.
///
/// A plugin library (a backend or a task library) exports exactly one C symbol,
/// `shoal_plugin_entry`, with this C signature:
///
///     int32_t shoal_plugin_entry(void *exports);
///
/// The core first calls it with `NULL`: the plugin returns the ABI version it was
/// built against and does nothing else. Only when that version equals the core's
/// does the core call it again with a `PluginExports` object, which the plugin fills
/// with its classes, factories and tasks. In Swift, all of that is one line:
///
///     @_cdecl("shoal_plugin_entry")
///     public func shoalPluginEntry(_ exports: UnsafeMutableRawPointer?) -> Int32 {
///       PluginABI.entry(exports) { $0.export(MyCluster.self) }
///     }
///
/// Version policy: `version` changes whenever a public type of ShoalCore changes in
/// a way that breaks binary compatibility; a plugin must then be rebuilt against the
/// new ShoalCore. The core refuses plugins of another version before touching any
/// of their Swift types.
public enum PluginABI {
  /// The ABI version of this ShoalCore. Inlined into each plugin at build time, so a
  /// plugin reports the version it was compiled against.
  @inlinable public static var version: Int32 { 1 }

  /// The name of the one C symbol every plugin exports.
  public static let entrySymbol = "shoal_plugin_entry"

  /// The C type of the entry point.
  public typealias Entry = @convention(c) (UnsafeMutableRawPointer?) -> Int32

  /// The body of a plugin's entry point: reports the ABI version, and registers the
  /// plugin's exports when the core passes an exports object.
  @inlinable
  public static func entry(
    _ exports: UnsafeMutableRawPointer?, _ register: (PluginExports) -> Void
  ) -> Int32 {
    if let exports {
      register(Unmanaged<PluginExports>.fromOpaque(exports).takeUnretainedValue())
    }
    return version
  }
}
