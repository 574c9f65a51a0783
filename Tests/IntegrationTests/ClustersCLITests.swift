import Foundation
import ShoalTestSupport
import Testing

/// `shoal clusters`, `shoal clusters show`, `--version` and `--help` with the real binary.
@Suite struct ClustersCLITests {
  static let yaml = """
    version: 1
    default: f
    clusters:
      f:
        cluster_class: FixturePlugin.FixtureCluster
        cluster_kwargs: {n_workers: 3}
      grow:
        cluster_class: FixturePlugin.make_fixture
        adapt_kwargs: {minimum: 1, maximum: 5, interval: 500ms}
        timeouts: {start: 2m}
      shared:
        address: tcp://127.0.0.1:8786
      plain:
    """

  func json(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
  }

  @Test func listsClusters() throws {
    let file = try TemporaryDirectory.write(Self.yaml)
    let result = try CommandRunner.shoal(["clusters", "--config", file])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map {
      $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
    #expect(
      lines == [
        "NAME MODE CLASS / ADDRESS ADAPT",
        "f * temporary FixturePlugin.FixtureCluster -",
        "grow temporary FixturePlugin.make_fixture 1..5",
        "shared existing tcp://127.0.0.1:8786 -",
        "plain local LocalBackend.LocalCluster -",
      ])
  }

  @Test func listsClustersAsJSON() throws {
    let file = try TemporaryDirectory.write(Self.yaml)
    let result = try CommandRunner.shoal(["clusters", "--json", "--config", file])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try json(result.stdout)
    #expect(object["default"] as? String == "f")
    let clusters = try #require(object["clusters"] as? [[String: Any]])
    #expect(clusters.map { $0["name"] as? String } == ["f", "grow", "shared", "plain"])
    #expect(
      clusters.map { $0["mode"] as? String } == ["temporary", "temporary", "existing", "local"])
    let adapt = try #require(clusters[1]["adapt"] as? [String: Int])
    #expect(adapt == ["minimum": 1, "maximum": 5])
    #expect(clusters[2]["address"] as? String == "tcp://127.0.0.1:8786")
    #expect(clusters[0]["default"] as? Bool == true)
  }

  @Test func showsOneClusterResolved() throws {
    let file = try TemporaryDirectory.write(Self.yaml)
    let result = try CommandRunner.shoal(["clusters", "show", "grow", "--config", file])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("declared at:"))
    #expect(result.stdout.contains("\(file):7:3"))
    #expect(result.stdout.contains(BuildProducts.library("FixturePlugin") + " (factory)"))
    #expect(
      result.stdout.contains(
        "minimum 1, maximum 5, interval 500ms, wait_count 3, target_duration 5s"),
      "\(result.stdout)")
    #expect(result.stdout.contains("start 120s, scale 60s, stop 60s"))

    let defaults = try CommandRunner.shoal(["clusters", "show", "--json", "--config", file])
    #expect(defaults.status == 0, "\(defaults.stderr)")
    let object = try json(defaults.stdout)
    #expect(object["name"] as? String == "f")
    #expect(object["initial_workers"] as? Int == 3)
    #expect((object["cluster_kwargs"] as? [String: Int]) == ["n_workers": 3])
    #expect(object["library"] as? String == BuildProducts.library("FixturePlugin"))
    #expect(object["kind"] as? String == "class")
    #expect((object["timeouts"] as? [String: Double])?["start"] == 60)
    // What protects it: tls: auto by default.
    #expect(result.stdout.contains("security:"))
    #expect(result.stdout.contains("tls: auto"))
    #expect(result.stdout.contains("protected by:"))
    #expect((object["protection"] as? String)?.contains("mutual TLS 1.3") == true)
  }

  static let groupedYAML = """
    clusters:
      mixed:
        timeouts: {start: 90s}
        groups:
          gpus:
            cluster_class: FixturePlugin.make_fixture
            cluster_kwargs: {n_workers: 1}
            adapt_kwargs: {minimum: 1, maximum: 3, interval: 500ms}
            resources: {gpu: 1, memory: 16G}
            priority: 1
            idle_timeout: 30s
          local:
            cluster_kwargs: {max_workers: 2}
            adapt_kwargs: {maximum: 8}
    """

  @Test func showListsEveryGroupOfAGroupedCluster() throws {
    let file = try TemporaryDirectory.write(Self.groupedYAML)
    let result = try CommandRunner.shoal(["clusters", "show", "mixed", "--config", file])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map {
      $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
    let gpus = try #require(lines.firstIndex(of: "group gpus: declared at \(file):5:7"))
    let local = try #require(lines.firstIndex(of: "group local: declared at \(file):12:7"))
    #expect(gpus < local, "file order: \(result.stdout)")
    #expect(lines.contains("groups: 2, filled in priority order (lower first)"))
    #expect(lines.contains("timeouts: start 90s, scale 60s, stop 60s"))
    // The cluster-level backend rows belong to the groups.
    #expect(lines[..<gpus].allSatisfy { !$0.hasPrefix("cluster_class:") }, "\(result.stdout)")
    #expect(
      Array(lines[gpus + 1..<local]) == [
        "cluster_class: FixturePlugin.make_fixture",
        "library: \(BuildProducts.library("FixturePlugin")) (factory)",
        "cluster_kwargs: {n_workers: 1}",
        "adapt_kwargs: minimum 1, maximum 3, interval 500ms, wait_count 3, target_duration 5s",
        "resources: gpu=1,memory=16G",
        "priority: 1",
        "idle_timeout: 30s",
      ], "\(result.stdout)")
    let localRows = Array(lines[(local + 1)...])
    #expect(localRows.first == "cluster_class: LocalBackend.LocalCluster", "\(result.stdout)")
    #expect(localRows.contains("cluster_kwargs: {max_workers: 2}"))
    #expect(
      localRows.contains(
        "adapt_kwargs: minimum 0, maximum 2, interval 1s, wait_count 3, target_duration 5s"),
      "the backend's clamp: \(result.stdout)")
    #expect(
      localRows.contains { $0.hasPrefix("declared: minimum 0, maximum 8 (maximum 8 lowered to 2") })
    #expect(localRows.contains("resources: none besides slots (cpu = the worker's slots)"))
    #expect(localRows.contains("priority: 0"))
    #expect(localRows.contains("idle_timeout: none (idle workers retire by wait_count alone)"))

    let json = try CommandRunner.shoal(["clusters", "show", "mixed", "--json", "--config", file])
    #expect(json.status == 0, "\(json.stderr)")
    let object = try self.json(json.stdout)
    #expect(object["cluster_class"] == nil && object["adapt"] == nil)
    let groups = try #require(object["groups"] as? [[String: Any]])
    #expect(groups.map { $0["name"] as? String } == ["gpus", "local"])
    #expect(groups[0]["resources"] as? [String: String] == ["gpu": "1", "memory": "16G"])
    #expect(groups[0]["priority"] as? Int == 1)
    #expect(groups[0]["idle_timeout"] as? Double == 30)
    #expect(groups[0]["kind"] as? String == "factory")
    #expect((groups[0]["adapt"] as? [String: Any])?["minimum"] as? Int == 1)
    #expect((groups[1]["adapt"] as? [String: Any])?["maximum"] as? Int == 2)
    #expect((groups[1]["declared_adapt"] as? [String: Any])?["maximum"] as? Int == 8)
    #expect(groups[1]["idle_timeout"] is NSNull)
    #expect(groups[1]["cluster_class"] as? String == "LocalBackend.LocalCluster")
  }

  @Test func showOfAGroupedClusterListsEveryGroupWhenOneFails() throws {
    let file = try TemporaryDirectory.write(
      """
      clusters:
        mixed:
          groups:
            good: {cluster_class: FixturePlugin.FixtureCluster}
            bad: {cluster_class: FixturePlugin.Nope}
      """)
    let result = try CommandRunner.shoal(["clusters", "show", "mixed", "--config", file])
    #expect(result.status == 1)
    #expect(result.stdout.contains("group good:"), "\(result.stdout)")
    #expect(result.stdout.contains("group bad:"), "\(result.stdout)")
    #expect(
      result.stderr.hasPrefix(
        "error: \(file):5:28: clusters.mixed.groups.bad.cluster_class: no class or factory `Nope`"),
      "\(result.stderr)")
  }

  @Test func showSaysWhatProtectsAnExistingCluster() throws {
    let file = try TemporaryDirectory.write(
      """
      clusters:
        far: {address: "tcp://10.1.2.3:8786"}
        open:
          address: tcp://10.1.2.3:8786
          security: {tls: off}
      """)
    let far = try CommandRunner.shoal(["clusters", "show", "far", "--config", file])
    #expect(far.stdout.contains("plain TCP to 10.1.2.3 is refused"), "\(far.stdout)")
    let open = try CommandRunner.shoal(["clusters", "show", "open", "--config", file])
    #expect(open.stdout.contains("tls: off"))
    #expect(open.stdout.contains("sent in clear"))
    // And a run against it without certificates is refused before connecting.
    let run = try CommandRunner.shoal(["run", "--cluster", "far", "--config", file, "--", "true"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("plain TCP would send the token and every task in clear"))
  }

  @Test func showReportsAnUndeclaredClusterAndABrokenBackend() throws {
    let file = try TemporaryDirectory.write(Self.yaml)
    let unknown = try CommandRunner.shoal(["clusters", "show", "gorw", "--config", file])
    #expect(unknown.status == 1)
    #expect(
      unknown.stderr
        == "error: no cluster named `gorw` in \(file); did you mean `grow`?\n  hint: declared clusters: f, grow, shared, plain\n"
    )
    let broken = try TemporaryDirectory.write(
      "clusters:\n  b: {cluster_class: FixturePlugin.Nope}\n")
    let result = try CommandRunner.shoal(["clusters", "show", "b", "--config", broken])
    #expect(result.status == 1)
    #expect(result.stdout.contains("cluster_class:"))
    #expect(
      result.stderr.hasPrefix(
        "error: \(broken):2:22: clusters.b.cluster_class: no class or factory `Nope`"))
  }

  @Test func versionAndHelp() throws {
    let version = try CommandRunner.shoal(["--version"])
    #expect(version.status == 0)
    #expect(
      version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count
        == 3)
    let help = try CommandRunner.shoal(["--help"])
    #expect(help.status == 0)
    for word in ["validate", "clusters", "plugins", "Examples:"] {
      #expect(help.stdout.contains(word), "\(word) missing in \(help.stdout)")
    }
    let validateHelp = try CommandRunner.shoal(["validate", "--help"])
    #expect(validateHelp.stdout.contains("shoal validate --config"))
    #expect(validateHelp.stdout.contains("--plugin-path"))
    let usage = try CommandRunner.shoal(["clusters", "--bogus"])
    #expect(usage.status != 0)
  }
}
