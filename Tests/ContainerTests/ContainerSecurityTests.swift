import Foundation
import ShoalTestSupport
import ShoalWire
import Testing

/// Container workers on the bridge network under TLS: a relay between the containers
/// (and the client) and the scheduler captures the traffic, which shows neither the
/// token nor a task's command; `podman inspect` shows no secret.
@Suite(
  .serialized,
  .enabled(
    if: Integration.runs(missing: Podman.unavailableReason), "\(Podman.unavailableReason ?? "")"),
  .failsWithout(Podman.unavailableReason))
struct ContainerSecurityTests {
  static let marker = "s13-container-marker-91c2"

  @Test func bridgeTrafficIsEncryptedAndInspectShowsNoSecret() async throws {
    Podman.configureProcess()
    try await ContainerHarness.withCluster(
      ["runtime": "podman", "network": "bridge"], relay: true
    ) { cluster in
      try await cluster.backend.scale(to: 1)
      _ = try await cluster.waitForWorkers(1)
      let result = try await cluster.executor.submit(
        .shell("echo", [Self.marker], environment: ["S13_PASSWORD": Self.marker])
      ).result
      #expect(result.status == .succeeded, "\(result)")
      #expect(String(decoding: result.output, as: UTF8.self) == Self.marker + "\n")
      let relay = try #require(cluster.relay)
      let bytes = relay.captured
      #expect(bytes.count > 1000)
      #expect(!bytes.containsText(cluster.token))
      #expect(!bytes.containsText(Self.marker))
      // The container's configuration (environment, command, mounts) holds no secret.
      for container in try cluster.containers() {
        let inspect = try Podman.run(["inspect", container])
        #expect(inspect.status == 0)
        #expect(!inspect.stdout.contains(cluster.token))
        #expect(!inspect.stdout.contains("SHOAL_TOKEN"))
        #expect(!inspect.stdout.contains("PRIVATE KEY"))
        #expect(!inspect.stdout.contains("shoal-credentials"))
      }
    }
  }
}
