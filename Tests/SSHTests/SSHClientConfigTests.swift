import Foundation
import Shoal
import ShoalTestSupport
import ShoalWire
import Testing

/// The user's ssh client configuration applies: a host named in `hosts:` only by an
/// alias of an ssh config file (`ssh_config`, passed as `ssh -F`), reached only
/// through a `ProxyJump` host that the same file describes.
extension SSHClusterTests {
  /// The config file for `hosts`: `shoal-jump` is host 0, `shoal-target` is host 1,
  /// whose sshd listens on `address`:`port`, which only host 0 reaches.
  func clientConfig(_ hosts: SSHHosts, target address: String, port: Int) throws -> String {
    let path = hosts.directory + "/ssh_config"
    try """
    Host shoal-jump
      HostName \(hosts.machines[0].address)
      User root
      IdentityFile \(hosts.clientKey)

    Host shoal-target
      HostName \(address)
      Port \(port)
      User root
      IdentityFile \(hosts.clientKey)
      ProxyJump shoal-jump

    Host *
      IdentitiesOnly yes
      UserKnownHostsFile \(hosts.knownHosts)
      StrictHostKeyChecking accept-new
      BatchMode yes
      ConnectTimeout 5
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func workersOnAnAliasOfTheSSHConfigReachedThroughProxyJump() async throws {
    let hosts = try SSHHosts(count: 2, withoutSSHD: [1])
    defer { hosts.close() }
    let port = Int.random(in: 20000...60000)
    let hidden = try hosts.hide(1, behind: 0, port: port)
    let config = try clientConfig(hosts, target: hidden, port: port)
    // The target's sshd is unreachable from here without the jump, so the cluster
    // below cannot work if ProxyJump (or the config file) were ignored.
    let direct = try CommandRunner.run(
      "/usr/bin/ssh", ["-F", config, "-o", "ProxyJump=none", "shoal-target", "true"], timeout: 30)
    #expect(direct.status != 0, "the target's sshd must not be reachable directly")
    let jumped = try CommandRunner.run(
      "/usr/bin/ssh", ["-F", config, "shoal-target", "ip netns identify"], timeout: 30)
    #expect(jumped.stdout == hosts.machines[1].namespace + "\n", "\(jumped.stderr)")

    // Nothing about the host is in cluster_kwargs but its alias and the file.
    let yaml = """
      version: 1
      clusters:
        lab:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs:
            hosts: [{host: shoal-target, slots: 2}]
            ssh_config: \(config)
            scheduler_options: {host: \(hosts.schedulerHost)}
            worker_options: {nthreads: 1, give_up_after: 5}
      """
    let clusterConfig = try ShoalConfig.load(
      file: try TemporaryDirectory.write(yaml), environment: [:])
    let runtime = try ClusterRuntime(
      spec: try clusterConfig.cluster(named: "lab"), loader: SSHClusterTests.loader,
      options: ClusterOptions(
        workerExecutable: BuildProducts.shoal,
        stateFolder: StateFolder(root: try TemporaryDirectory.make("shoal-state"))),
      logger: SSHClusterTests.logger)
    try await running(runtime) { endpoint in
      #expect(await perHost(runtime) == ["shoal-target": 2])
      #expect(shoalWorkers(hosts, 1).count == 2 && shoalWorkers(hosts, 0).isEmpty)
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let specs = (0..<6).map { index in
        TaskSpec.shell("sh", ["-c", "sleep 0.1; ip netns identify; echo \(index)"])
      }
      let results = try await executor.map(specs)
      await executor.close()
      #expect(results.map(\.status) == Array(repeating: .succeeded, count: 6))
      // Every task ran in the target's network namespace.
      #expect(
        results.map { String(decoding: $0.output, as: UTF8.self) }
          == (0..<6).map { "\(hosts.machines[1].namespace)\n\($0)\n" })
      #expect(Set(results.compactMap(\.worker)).count == 2)
    }
    // Closed: no worker or session is left on either host, and no local ssh (the
    // master and its jump ssh both carry `-F config`).
    #expect(
      await eventually { workerProcesses(hosts, 0).isEmpty && workerProcesses(hosts, 1).isEmpty })
    #expect(await eventually { localProcesses(containing: config).isEmpty })
  }
}
