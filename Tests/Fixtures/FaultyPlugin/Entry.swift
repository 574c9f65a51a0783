import ShoalCore

@_cdecl("shoal_plugin_table")
public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
  PluginABI.table(host) { plugin in
    plugin.export(IgnoringCluster.self)
    plugin.export(HalfReadingCluster.self)
    plugin.export(ThrowingCluster.self)
    plugin.export(HangingCluster.self)
    plugin.export(MisbehavingCluster.self)
    plugin.export(MisnamedCluster.self)
    plugin.export(LeakyCluster.self)
    plugin.export(BlindCluster.self)
    plugin.export(GreedyCluster.self)
    plugin.export(StubbornCluster.self)
    plugin.export(IdleStopCluster.self)
    plugin.export(CrashingCluster.self)
    // A factory that drops its kwargs on the floor.
    plugin.export(factory: "make_ignoring") { _ in try IgnoringCluster(kwargs: .empty()) }
    // UnexportedCluster, ClusterOptions and WorkerTemplate are deliberately not exported.
  }
}
