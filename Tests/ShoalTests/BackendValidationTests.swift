import Shoal
import ShoalCore
import ShoalPluginHost
import Testing

/// Loads backends through the real loader from the build folder (the test binary sits
/// next to libFixturePlugin.so and friends).
@Suite struct BackendValidationTests {
  let loader = PluginLoader(searchPath: .standard(environment: [:]))

  func check(_ yaml: String) throws -> BackendCheck {
    let config = try ShoalConfig.parse(yaml, file: "c.yaml", environment: [:])
    return ShoalConfig.checkBackend(config.clusters[0], loader: loader)
  }

  @Test func makesTheBackendFromItsKwargs() throws {
    let result = try check(
      """
      clusters:
        f:
          cluster_class: FixturePlugin.FixtureCluster
          cluster_kwargs: {n_workers: 3, label: x}
      """)
    #expect(result.error == nil)
    #expect(result.initialWorkers == 3)
    #expect(result.resolved?.path.hasSuffix("/libFixturePlugin.so") == true)
    #expect(result.resolved?.isFactory == false)
    let factory = try check("clusters:\n  f: {cluster_class: FixturePlugin.make_fixture}\n")
    #expect(factory.error == nil)
    #expect(factory.resolved?.isFactory == true)
  }

  @Test func kwargsErrorsCarryTheirPosition() throws {
    let wrongType = try #require(
      try check(
        "clusters:\n  f:\n    cluster_class: FixturePlugin.FixtureCluster\n    cluster_kwargs: {n_workers: four}\n"
      ).error)
    #expect(
      wrongType.description
        == "c.yaml:4:33: clusters.f.cluster_kwargs.n_workers: expected an integer, found \"four\"")
    let unknown = try #require(
      try check(
        "clusters:\n  f:\n    cluster_class: FixturePlugin.FixtureCluster\n    cluster_kwargs: {labl: x}\n"
      ).error)
    #expect(unknown.code == .unknownKey)
    #expect(
      unknown.description.hasPrefix(
        "c.yaml:4:22: clusters.f.cluster_kwargs: unknown key `labl`; did you mean `label`?"))
    let negative = try #require(
      try check(
        "clusters:\n  f:\n    cluster_class: FixturePlugin.FixtureCluster\n    cluster_kwargs: {n_workers: -1}\n"
      ).error)
    #expect(
      negative.description.contains(
        "4:33: clusters.f.cluster_kwargs.n_workers: n_workers must be 0 or more"))
  }

  @Test func loaderErrorsPointAtClusterClass() throws {
    let missing = try #require(try check("clusters:\n  f: {cluster_class: NoSuch.Cluster}\n").error)
    #expect(missing.code == .pluginNotFound)
    #expect(
      missing.description.hasPrefix(
        "c.yaml:2:22: clusters.f.cluster_class: no plugin library `libNoSuch.so`"))
    #expect(missing.description.contains("(next to the shoal executable)"))
    let notExported = try #require(
      try check("clusters:\n  f: {cluster_class: FixturePlugin.FixtureClustr}\n").error)
    #expect(notExported.code == .notExported)
    #expect(
      notExported.description.contains(
        "it exports FixtureCluster, make_fixture; did you mean `FixtureCluster`?"))
    let notPlugin = try #require(try check("clusters:\n  f: {cluster_class: NotAPlugin.X}\n").error)
    #expect(notPlugin.code == .notAPlugin)
  }

  @Test func existingClustersLoadNothing() throws {
    let result = try check("clusters:\n  s: {address: \"tcp://127.0.0.1:9\"}\n")
    #expect(result.error == nil)
    #expect(result.resolved == nil)
  }

  @Test func validateBackendsThrowsTheFirstProblem() throws {
    let config = try ShoalConfig.parse(
      """
      clusters:
        ok: {cluster_class: FixturePlugin.FixtureCluster}
        bad: {cluster_class: FixturePlugin.Nope}
      """, file: "c.yaml", environment: [:])
    let error = try #require(throws: ShoalError.self) {
      try config.validateBackends(loader: loader)
    }
    #expect(error.keyPath == "clusters.bad.cluster_class")
  }
}
