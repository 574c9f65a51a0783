import Foundation
import ShoalBackendTesting
import ShoalCore
import ShoalTestSupport
import Testing

/// ContainerCluster against the conformance kit (Sources/ShoalBackendTesting), with
/// the worker image this build folder makes. The host's temporary folder is mounted
/// into the workers so that the kit's marker files (written by tasks in its state
/// folder) are seen across a worker's death. Skipped when podman is not installed.
@Suite(
  .serialized,
  .enabled(
    if: Integration.runs(missing: Podman.unavailableReason), "\(Podman.unavailableReason ?? "")"),
  .failsWithout(Podman.unavailableReason))
struct ContainerConformanceTests {
  /// The host's temporary folder, where the kit keeps its state folders.
  static let temporaryFolder = (NSTemporaryDirectory() as NSString).standardizingPath

  static let kit = BackendConformance(
    clusterClass: "ContainerBackend.ContainerCluster",
    kwargs: [
      "runtime": "podman", "network": "host",
      "volumes": [Kwargs(stringLiteral: "\(temporaryFolder):\(temporaryFolder)")],
    ], timeout: .seconds(120))

  @Test(arguments: BackendConformance.Check.allCases)
  func conformance(_ check: BackendConformance.Check) async throws {
    Podman.configureProcess()
    _ = try Podman.image.get()
    try await Self.kit.run(check)
    let left = try Podman.containers(label: "shoal.cluster-name", value: "conformance")
    #expect(left.isEmpty, "containers left behind by \(check): \(left)")
  }
}
