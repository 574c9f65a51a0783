import Foundation
import Shoal
import ShoalCore
import Testing

@Suite struct ConfigParsingTests {
  static let environment = ["HOME": "/home/user"]

  static func fixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try String(contentsOf: url, encoding: .utf8)
  }

  @Test func parsesTheDesignExample() throws {
    let config = try ShoalConfig.parse(
      try Self.fixture("design.yaml"), file: "design.yaml", environment: Self.environment)
    #expect(config.version == 1)
    #expect(config.defaultCluster == "local")
    #expect(config.clusterNames == ["local", "burst", "lab", "boxes", "shared"])
    let modes = config.clusters.map(\.mode)
    #expect(modes == [.local, .temporary, .temporary, .temporary, .existing])

    let local = try config.cluster(named: nil)
    #expect(local.name == "local")
    #expect(local.clusterClass == "LocalBackend.LocalCluster")
    #expect(local.adapt == nil)
    #expect(local.clusterKwargs["n_workers"]?.description == "2")
    #expect(local.clusterKwargs.path == "clusters.local.cluster_kwargs")

    let burst = try config.cluster(named: "burst")
    #expect(burst.adapt == AdaptSettings(minimum: 0, maximum: 8))

    let lab = try config.cluster(named: "lab")
    let identity = lab.clusterKwargs["connect_options"]?["identity_file"]
    #expect(identity?.description == "/home/user/.ssh/id_ed25519")
    #expect(identity?.path == "clusters.lab.cluster_kwargs.connect_options.identity_file")
    #expect(identity?.location == SourceLocation(file: "design.yaml", line: 14, column: 63))
    #expect(lab.clusterKwargs["hosts"]?.description == "[node1, node2]")

    let shared = try config.cluster(named: "shared")
    #expect(shared.address == "tcp://scheduler.example:8786")
    #expect(shared.clusterClass == nil)
    #expect(shared.location == SourceLocation(file: "design.yaml", line: 20, column: 3))
  }

  @Test func keepsScalarTextAndQuoting() throws {
    let config = try ShoalConfig.parse(
      """
      clusters:
        a:
          cluster_kwargs: {flag: yes, name: "yes", count: 007, empty: , nothing: ~, text: 'on'}
      """, file: "c.yaml", environment: [:])
    let kwargs = try config.cluster(named: "a").clusterKwargs
    guard case .scalar("yes", quoted: false) = kwargs["flag"]?.value else {
      Issue.record("flag: \(String(describing: kwargs["flag"]))")
      return
    }
    guard case .scalar("yes", quoted: true) = kwargs["name"]?.value else {
      Issue.record("name: \(String(describing: kwargs["name"]))")
      return
    }
    #expect(kwargs["count"]?.description == "007")
    #expect(kwargs["empty"]?.isNull == true)
    #expect(kwargs["nothing"]?.isNull == true)
    #expect(kwargs["text"]?.description == "\"on\"")
  }

  @Test func defaultsAndOptionalParts() throws {
    let config = try ShoalConfig.parse(
      """
      clusters:
        only:
      """, file: "c.yaml", environment: [:])
    #expect(config.version == 1)
    #expect(config.defaultCluster == "only")
    let spec = try config.cluster(named: nil)
    #expect(spec.mode == .local)
    #expect(spec.clusterClass == ClusterSpec.defaultClusterClass)
    #expect(spec.clusterKwargs.keys.isEmpty)
    #expect(spec.timeouts == ClusterTimeouts())
    #expect(config.pluginPath.isEmpty)
  }

  @Test func adaptKwargsAndTimeouts() throws {
    let config = try ShoalConfig.parse(
      """
      clusters:
        a:
          adapt_kwargs: {maximum: 3, interval: 500ms, wait_count: 2, target_duration: 2}
          timeouts: {start: 90s, scale: 1m}
        b:
          cluster_class: LocalCluster
          adapt_kwargs:
      """, file: "c.yaml", environment: [:])
    let a = try config.cluster(named: "a")
    #expect(a.mode == .temporary)
    #expect(
      a.adapt
        == AdaptSettings(
          minimum: 0, maximum: 3, interval: .milliseconds(500), waitCount: 2,
          targetDuration: .seconds(2)))
    #expect(a.timeouts == ClusterTimeouts(start: .seconds(90), scale: .seconds(60)))
    let b = try config.cluster(named: "b")
    #expect(b.adapt == AdaptSettings())
    #expect(b.clusterClass == "LocalCluster")
    #expect(config.defaultCluster == nil)
  }

  @Test func pluginPathIsStringOrListRelativeToTheFile() throws {
    let one = try ShoalConfig.parse(
      "plugin_path: plugins\nclusters: {a: }", file: "/etc/shoal/clusters.yaml",
      environment: [:])
    #expect(one.pluginPath == ["/etc/shoal/plugins"])
    let many = try ShoalConfig.parse(
      "plugin_path: [/opt/p, ./q, ~/r, '${X}/s']\nclusters: {a: }",
      file: "/etc/shoal/clusters.yaml", environment: ["HOME": "/h", "X": "/x"])
    #expect(many.pluginPath == ["/opt/p", "/etc/shoal/q", "/h/r", "/x/s"])
    let path = many.searchPath(commandLinePluginPath: ["/cli"])
    #expect(
      path.folders.prefix(5).map(\.path) == ["/cli", "/opt/p", "/etc/shoal/q", "/h/r", "/x/s"])
    #expect(path.folders[1].origin == "plugin_path in the config")
  }

  @Test func unknownClusterListsDeclaredOnes() throws {
    let config = try ShoalConfig.parse(
      "clusters: {local: , burst: }", file: "c.yaml", environment: [:])
    let error = try #require(throws: ShoalError.self) { try config.cluster(named: "brust") }
    #expect(error.code == .unknownCluster)
    #expect(error.description.contains("did you mean `burst`?"))
    #expect(error.description.contains("declared clusters: local, burst"))
    let noDefault = try #require(throws: ShoalError.self) { try config.cluster(named: nil) }
    #expect(noDefault.description.contains("no `default`"))
  }
}

@Suite struct MergeKeyTests {
  @Test func mergesAnchoredMappingsAndIgnoresExtensionKeys() throws {
    let config = try ShoalConfig.parse(
      """
      x-common: &common {n_workers: 2, label: shared}
      x-more: &more {label: other, extra: 1}
      clusters:
        a:
          cluster_kwargs:
            <<: [*common, *more]
            n_workers: 5
        b:
          cluster_kwargs: {<<: *common}
      """, file: "c.yaml", environment: [:])
    let a = try config.cluster(named: "a").clusterKwargs
    #expect(a.keys == ["n_workers", "label", "extra"])
    #expect(a["n_workers"]?.description == "5")
    #expect(a["label"]?.description == "shared")
    #expect(a["label"]?.path == "clusters.a.cluster_kwargs.label")
    #expect(a["label"]?.location == SourceLocation(file: "c.yaml", line: 1, column: 41))
    let b = try config.cluster(named: "b").clusterKwargs
    #expect(b.keys == ["n_workers", "label"])
    #expect(b["n_workers"]?.path == "clusters.b.cluster_kwargs.n_workers")
  }

  @Test func mergingAScalarIsAnError() throws {
    let error = try #require(throws: ShoalError.self) {
      try ShoalConfig.parse(
        "x-n: &n 3\nclusters:\n  a:\n    cluster_kwargs: {<<: *n}\n", file: "c.yaml",
        environment: [:])
    }
    #expect(
      error.description.hasPrefix(
        "c.yaml:1:6: clusters.a.cluster_kwargs: `<<` merges mappings only"))
  }
}

@Suite struct BuiltinConfigTests {
  @Test func theBuiltinConfigIsOneLocalCluster() throws {
    let config = ShoalConfig.builtin(environment: ["SHOAL_PLUGIN_PATH": "/p"])
    let spec = try config.cluster(named: nil)
    #expect(spec.name == "local")
    #expect(spec.mode == .local)
    #expect(spec.clusterKwargs.path == "clusters.local.cluster_kwargs")
    #expect(config.searchPath(commandLinePluginPath: []).folders.first?.path == "/p")
  }
}
