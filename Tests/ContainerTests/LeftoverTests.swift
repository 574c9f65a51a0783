import ContainerBackend
import Foundation
import ShoalCore
import ShoalTestSupport
import Testing

extension ContainerClusterTests {
  /// `removeLeftovers` (what `shoal down` of a dead cluster calls) removes the
  /// containers of dead owners and keeps those of live ones.
  @Test func removeLeftoversKeepsContainersOfLiveOwners() async throws {
    let name = "ct-down-\(UUID().uuidString.prefix(6).lowercased())"
    defer { Podman.removeAll(label: "shoal.cluster-name", value: name) }
    let image = try Podman.image.get()
    let me = "\(getpid()):\(try ownStartTime())"
    for (suffix, owner) in [("dead", "999999:1"), ("live", me)] {
      let created = try Podman.run([
        "create", "--name", "\(name)-\(suffix)", "--label", "shoal.cluster-name=\(name)",
        "--label", "shoal.owner=\(owner)", image, "true",
      ])
      #expect(created.status == 0, "\(created.stderr)")
    }
    Podman.configureProcess()
    let backend = try ContainerCluster(kwargs: ["runtime": "podman"])
    let removed = try await backend.removeLeftovers(clusterName: name, log: EventLog { _, _ in })
    #expect(removed == ["\(name)-dead"])
    #expect(try Podman.containers(label: "shoal.cluster-name", value: name) == ["\(name)-live"])
  }

  private func ownStartTime() throws -> String {
    let stat = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
    let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
    return String(fields[19])
  }
}
