import ShoalCore

/// The plugin's entry point: exports `ContainerCluster`.
@_cdecl("shoal_plugin_table")
public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
  PluginABI.table(host) { $0.export(ContainerCluster.self) }
}
