import ShoalCore
import Testing

@Suite struct SinglyLinkedCoreTests {
  @Test func pluginClassCastsToHostProtocolAndSharesGlobals() throws {
    let loader = PluginLoader(searchPath: .standard(environment: [:]))
    let resolved = try loader.backend("FixturePlugin.FixtureCluster")
    let backend = try resolved.make(["n_workers": 3, "label": "x"])
    #expect(backend.initialWorkers == 3)
    #expect(SharedValues.get("FixturePlugin.loaded") as? String == "registered by FixturePlugin")
  }
}
