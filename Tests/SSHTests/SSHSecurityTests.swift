import Foundation
import Logging
import NIOCore
import NIOPosix
import Shoal
import ShoalCore
import ShoalTestSupport
import ShoalWire
import Testing

/// An SSH cluster under `tls: auto` (the default) whose workers reach the scheduler
/// through a relay the test puts between them (`scheduler_options.address` points the
/// workers at the relay): the capture shows neither the token nor a task's command.
@Suite(
  .serialized,
  .enabled(
    if: Integration.runs(missing: SSHHosts.unavailableReason),
    "\(SSHHosts.unavailableReason ?? "")"),
  .failsWithout(SSHHosts.unavailableReason))
struct SSHSecurityTests {
  static let marker = "s13-ssh-marker-5d0e"

  /// A port on `host` that is free now (bound, read, released).
  static func freePort(on host: String) async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .bind(host: host, port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
  }

  @Test func sshTrafficUnderAutoTLSShowsNeitherTokenNorTask() async throws {
    let hosts = try SSHHosts(count: 1)
    defer { hosts.close() }
    let gateway = hosts.schedulerHost
    let schedulerPort = try await Self.freePort(on: gateway)
    let relay = try await FreezableProxy.start(
      upstreamPort: schedulerPort, upstreamHost: gateway, host: gateway)
    defer { relay.close() }
    let yaml = """
      version: 1
      clusters:
        lab:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs:
            hosts: [\(hosts.machines[0].address)]
            connect_options: \(hosts.connectOptions())
            scheduler_options: {host: \(gateway), port: \(schedulerPort), address: "\(gateway):\(relay.port)"}
            worker_options: {nthreads: 1, give_up_after: 5}
      """
    let config = try ShoalConfig.load(file: try TemporaryDirectory.write(yaml), environment: [:])
    var logger = Logger(label: "test.ssh")
    logger.logLevel = .critical
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "lab"), loader: SSHClusterTests.loader,
      options: ClusterOptions(
        workerExecutable: BuildProducts.shoal,
        stateFolder: StateFolder(root: try TemporaryDirectory.make("s13-ssh-state"))),
      logger: logger)
    try await SSHClusterTests().running(runtime) { endpoint in
      #expect(endpoint.tls.isEnabled)
      // The client goes through the relay too.
      let executor = try await Executor.connect(
        address: "tcp://\(gateway):\(relay.port)", token: endpoint.token, tls: endpoint.tls)
      let result = try await executor.submit(
        .shell("echo", [Self.marker], environment: ["S13_PASSWORD": Self.marker])
      ).result
      await executor.close()
      #expect(result.status == .succeeded, "\(result)")
      #expect(String(decoding: result.output, as: UTF8.self) == Self.marker + "\n")
      let bytes = relay.captured
      #expect(bytes.count > 1000)
      #expect(!bytes.containsText(endpoint.token))
      #expect(!bytes.containsText(Self.marker))
    }
  }
}
