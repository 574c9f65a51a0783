import ShoalCore

/// A plugin that claims to be built for a future ABI: the loader must refuse it
/// before touching any of its Swift types.
@_cdecl("shoal_plugin_entry")
public func shoalPluginEntry(_ exports: UnsafeMutableRawPointer?) -> Int32 {
  PluginABI.version + 41
}
