import ShoalBackendTesting
import Testing

/// The in-tree LocalBackend against the conformance kit, loaded from the build folder.
@Suite(.serialized) struct LocalBackendConformanceTests {
  let kit = BackendConformance(
    clusterClass: "LocalBackend.LocalCluster", kwargs: ["n_workers": 1, "threads_per_worker": 1])

  @Test(arguments: BackendConformance.Check.allCases)
  func conformance(_ check: BackendConformance.Check) async throws {
    try await kit.run(check)
  }
}
