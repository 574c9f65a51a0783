import Logging
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport
import ShoalWire
import Testing

/// `groups:` in clusters.yaml: parsing, defaults and located errors.
@Suite struct GroupConfigTests {
  static let yaml = """
    clusters:
      mixed:
        timeouts: {start: 90s}
        groups:
          burst:
            cluster_class: ContainerBackend.ContainerCluster
            cluster_kwargs: {image: localhost/shoal-worker:latest}
            adapt_kwargs: {minimum: 0, maximum: 2}
            resources: {special: 1, memory: 16G}
            priority: 1
            idle_timeout: 30s
          local:
            cluster_kwargs: {threads_per_worker: 2}
            adapt_kwargs: {maximum: 2}
      plain:
        cluster_kwargs: {n_workers: 1}
    """

  @Test func parsesGroupsInPriorityOrder() throws {
    let config = try ShoalConfig.parse(Self.yaml, file: "groups.yaml", environment: [:])
    let mixed = try config.cluster(named: "mixed")
    #expect(mixed.isGrouped && mixed.isAdaptive)
    #expect(mixed.mode == .temporary)
    #expect(mixed.timeouts.start == .seconds(90))
    let groups = mixed.workerGroups
    #expect(groups.map(\.name) == ["local", "burst"])
    let local = groups[0]
    #expect(local.backend.clusterClass == "LocalBackend.LocalCluster")
    #expect(local.priority == 0)
    #expect(local.resources.isEmpty)
    #expect(local.backend.adapt == AdaptSettings(minimum: 0, maximum: 2))
    #expect(local.backend.clusterKwargs.path == "clusters.mixed.groups.local.cluster_kwargs")
    #expect(SlotsPerWorker.guess(local.backend.clusterKwargs) == 2)
    #expect(local.keyPath == "clusters.mixed.groups.local")
    let burst = groups[1]
    #expect(burst.backend.clusterClass == "ContainerBackend.ContainerCluster")
    #expect(burst.resources.description == "memory=16G,special=1")
    #expect(burst.priority == 1)
    #expect(burst.idleTimeout == .seconds(30))
    #expect(burst.location == SourceLocation(file: "groups.yaml", line: 5, column: 7))
    // A cluster of one class is one group, `default`.
    let plain = try config.cluster(named: "plain")
    #expect(!plain.isGrouped)
    #expect(plain.workerGroups.map(\.name) == ["default"])
    #expect(plain.workerGroups[0].backend.clusterKwargs["n_workers"]?.description == "1")
  }

  static let cases: [BadYAML] = [
    BadYAML(
      name: "class beside groups",
      yaml: "clusters:\n  m:\n    cluster_class: LocalCluster\n    groups:\n      a: {}\n",
      position: "3:5", message: "`cluster_class` belongs inside a group"),
    BadYAML(
      name: "groups with address",
      yaml: "clusters:\n  m:\n    address: tcp://h:1\n    groups:\n      a: {}\n",
      position: "4:5", message: "cannot be combined with `groups`"),
    BadYAML(
      name: "empty groups", yaml: "clusters:\n  m:\n    groups: {}\n", position: "3:13",
      message: "`groups` is empty"),
    BadYAML(
      name: "groups as a list", yaml: "clusters:\n  m:\n    groups: [a, b]\n", position: "3:13",
      message: "expected a mapping of group names"),
    BadYAML(
      name: "unknown group key",
      yaml: "clusters:\n  m:\n    groups:\n      a: {priorty: 1}\n", position: "4:11",
      message: "unknown key `priorty`; did you mean `priority`?"),
    BadYAML(
      name: "bad resource amount",
      yaml: "clusters:\n  m:\n    groups:\n      a:\n        resources: {gpu: lots}\n",
      position: "5:26", message: "resource `gpu` has amount `lots`"),
    BadYAML(
      name: "bad resource name",
      yaml: "clusters:\n  m:\n    groups:\n      a:\n        resources: {2gpu: 1}\n",
      position: "5:27", message: "resource name `2gpu`"),
    BadYAML(
      name: "resources as a list",
      yaml: "clusters:\n  m:\n    groups:\n      a:\n        resources: [gpu]\n",
      position: "5:20", message: "expected a mapping of resource names to amounts"),
    BadYAML(
      name: "negative priority",
      yaml: "clusters:\n  m:\n    groups:\n      a: {priority: -1}\n", position: "4:21",
      message: "priority must be from 0 to 1000000"),
    BadYAML(
      name: "bad idle timeout",
      yaml: "clusters:\n  m:\n    groups:\n      a: {idle_timeout: soon}\n", position: "4:25",
      message: "expected a duration"),
    BadYAML(
      name: "bad group adapt_kwargs",
      yaml:
        "clusters:\n  m:\n    groups:\n      a:\n        adapt_kwargs: {minimum: 3, maximum: 1}\n",
      position: "5:", message: "minimum"),
    BadYAML(
      name: "bad group name",
      yaml: "clusters:\n  m:\n    groups:\n      a b: {}\n", position: "4:7",
      message: "group name `a b`"),
  ]

  @Test(arguments: cases) func rejects(_ bad: BadYAML) throws {
    try LocatedError.expectParse(bad, throws: ShoalError.self) {
      _ = try ShoalConfig.parse($0, file: $1, environment: [:])
    }
  }

  @Test func reportsEveryBadGroupAtOnce() throws {
    let yaml = """
      clusters:
        m:
          groups:
            a: {priority: -1}
            b: {resources: {gpu: x}}
      """
    let errors = try #require(throws: ConfigErrors.self) {
      try ShoalConfig.parse(yaml, file: "bad.yaml", environment: [:])
    }
    #expect(errors.errors.count == 2)
    #expect(errors.errors.map { $0.location?.line } == [4, 5])
  }
}

extension GroupConfigTests {
  func runtime(_ yaml: String) throws -> ClusterRuntime {
    let spec = try ShoalConfig.parse(yaml, file: "ssh.yaml", environment: [:]).cluster(named: "m")
    return try ClusterRuntime(
      spec: spec, loader: PluginLoader(searchPath: .standard(environment: [:])),
      logger: Logger(label: "test"))
  }

  /// Two SSH groups (their workers named apart, `m-a-ssh-N` and `m-b-ssh-N`) share
  /// the one scheduler, which listens where they ask.
  @Test func twoSSHGroupsShareTheSchedulerBinding() throws {
    let spec = try ShoalConfig.parse(
      """
      clusters:
        m:
          groups:
            a:
              cluster_class: SSHBackend.SSHCluster
              cluster_kwargs: {hosts: [h1], scheduler_options: {host: 127.0.0.2}}
            b:
              cluster_class: SSHBackend.SSHCluster
              cluster_kwargs: {hosts: [h2], scheduler_options: {host: 127.0.0.2, port: 8786}}
            local: {}
      """, file: "ssh.yaml", environment: [:]
    ).cluster(named: "m")
    let loader = PluginLoader(searchPath: .standard(environment: [:]))
    let members = try spec.workerGroups.map { group in
      GroupedBackend.Member(
        group: group,
        backend: try loader.backend(group.backend.clusterClass ?? "").make(
          group.backend.clusterKwargs),
        settings: AdaptSettings())
    }
    #expect(
      GroupedBackend(members: members).schedulerBinding
        == SchedulerBinding(host: "127.0.0.2", port: 8786))
    #expect(GroupedBackend(members: [members[2]]).schedulerBinding == nil)
  }

  @Test func groupsAskingForTwoSchedulerAddressesAreRefusedBeforeAnythingStarts() throws {
    let error = try #require(throws: ShoalError.self) {
      try runtime(
        """
        clusters:
          m:
            groups:
              a:
                cluster_class: SSHBackend.SSHCluster
                cluster_kwargs: {hosts: [h1], scheduler_options: {host: 127.0.0.2}}
              b:
                cluster_class: SSHBackend.SSHCluster
                cluster_kwargs: {hosts: [h2], scheduler_options: {host: 127.0.0.3}}
        """)
    }
    #expect(error.description.hasPrefix("ssh.yaml:7:7: "), "\(error)")
    #expect(
      error.description.contains("need the scheduler to listen on 127.0.0.2:0 and 127.0.0.3:0"),
      "\(error)")
    #expect(error.hint?.contains("same scheduler_options") == true)
  }
}
