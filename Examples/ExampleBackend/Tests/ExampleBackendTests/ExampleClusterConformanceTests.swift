import ShoalBackendTesting
import Testing

/// Shoal's conformance kit against ExampleCluster, loaded from libExampleBackend.so in the build
/// folder exactly as `shoal` loads it, with a real scheduler and real `shoal worker`
/// processes. Run `swift test` (or, after `swift build --build-tests`,
/// `swift test --skip-build`, which saves the build step).
@Suite(.serialized) struct ExampleClusterConformanceTests {
  let kit = BackendConformance(clusterClass: "ExampleBackend.ExampleCluster", kwargs: ["n_workers": 1])

  @Test(arguments: BackendConformance.Check.allCases)
  func conformance(_ check: BackendConformance.Check) async throws {
    try await kit.run(check)
  }
}
