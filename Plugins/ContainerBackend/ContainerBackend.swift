import ShoalCore

/// The plugin's entry point: exports `ContainerCluster`.
@_cdecl("shoal_plugin_entry")
public func shoalPluginEntry(_ exports: UnsafeMutableRawPointer?) -> Int32 {
  PluginABI.entry(exports) { $0.export(ContainerCluster.self) }
}
