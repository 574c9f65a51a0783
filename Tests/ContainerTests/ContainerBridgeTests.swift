import Foundation
import ShoalTestSupport
import ShoalWire
import Testing

/// Workers on podman's bridge network (`network: bridge`): each container has its own
/// address on the bridge and reaches the scheduler through the bridge's gateway
/// (`host.containers.internal`), so the cluster asks the core to listen on every
/// interface instead of loopback. Skipped when podman is not installed.
@Suite(
  .serialized,
  .enabled(
    if: Integration.runs(missing: Podman.unavailableReason), "\(Podman.unavailableReason ?? "")"),
  .failsWithout(Podman.unavailableReason))
struct ContainerBridgeTests {
  /// The bridge's subnet prefix (`10.88.`), from podman's default network.
  static func subnetPrefix() throws -> String {
    let inspect = try Podman.run([
      "network", "inspect", "podman", "--format", "{{range .Subnets}}{{.Subnet}}{{end}}",
    ])
    let subnet = inspect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try #require(inspect.status == 0 && subnet.contains("."), "no bridge subnet: \(inspect.stderr)")
    return subnet.split(separator: ".").prefix(2).joined(separator: ".") + "."
  }

  /// A shell task that prints the address of the container's `eth0`.
  static let addressTask = TaskSpec.shell(
    "sh", ["-c", "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1"])

  @Test func bridgeWorkersReachTheSchedulerThroughTheGatewayAndRunTasks() async throws {
    Podman.configureProcess()
    let prefix = try Self.subnetPrefix()
    try await ContainerHarness.withCluster(["runtime": "podman", "network": "bridge"]) {
      cluster in
      #expect(cluster.context.schedulerAddress.hasPrefix("tcp://0.0.0.0:"))
      try await cluster.backend.scale(to: 2)
      let workers = try await cluster.waitForWorkers(2)
      let results = try await cluster.executor.map((0..<6).map { _ in Self.addressTask })
      var addresses = Set<String>()
      for result in results {
        #expect(result.status == .succeeded, "\(result)")
        let address = String(decoding: result.output, as: UTF8.self)
          .trimmingCharacters(in: .whitespacesAndNewlines)
        // Ran in a container with its own address on the bridge, not on the host network.
        #expect(address.hasPrefix(prefix), "task ran at \(address), not on \(prefix)x.x")
        #expect(workers.contains(result.worker ?? ""))
        addresses.insert(address)
      }
      #expect(addresses.count <= 2)
    }
  }

  /// Through the CLI, as a user would: `shoal run --cluster NAME` with `network: bridge`
  /// in clusters.yaml, then nothing left behind.
  @Test func shoalRunOnABridgeCluster() throws {
    Podman.configureProcess()
    _ = try Podman.image.get()
    let prefix = try Self.subnetPrefix()
    let name = "ctb\(UUID().uuidString.prefix(6).lowercased())"
    defer { Podman.removeAll(label: "shoal.cluster-name", value: name) }
    let config = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        \(name):
          cluster_class: ContainerBackend.ContainerCluster
          cluster_kwargs: {runtime: podman, network: bridge, n_workers: 1}
      """)
    let output = try CommandRunner.shoal(
      [
        "run", "--config", config, "--cluster", name, "--",
        "sh", "-c", "ip -4 -o addr show eth0 | awk '{print $4}'",
      ],
      environment: Podman.environment.merging(
        ["SHOAL_STATE_DIR": try TemporaryDirectory.make("shoal-ctb-state")]) { $1 },
      timeout: 180)
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout.hasPrefix(prefix), "\(output.stdout)")
    #expect(try Podman.containers(label: "shoal.cluster-name", value: name).isEmpty)
  }
}
