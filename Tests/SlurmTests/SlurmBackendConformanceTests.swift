import Shoal
import ShoalBackendTesting
import ShoalCore
import ShoalTestSupport
import Testing

/// `SlurmBackend.SlurmCluster` against the conformance kit, on a real Slurm (a fresh
/// `SlurmSandbox` for each check): every worker is a batch job on node n1 or n2.
@Suite(
  .serialized, .enabled(if: Integration.runs(missing: SlurmSandbox.unavailableReason)),
  .failsWithout(SlurmSandbox.unavailableReason))
struct SlurmBackendConformanceTests {
  @Test(arguments: BackendConformance.Check.allCases)
  func conformance(_ check: BackendConformance.Check) async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let yaml = """
      version: 1
      clusters:
        hpc:
          cluster_class: SlurmBackend.SlurmCluster
          cluster_kwargs: {cores: 1, walltime: "00:10:00", give_up_after: 5}
      """
    let config = try ShoalConfig.parse(yaml, file: "clusters.yaml", environment: [:])
    let kit = BackendConformance(
      clusterClass: "SlurmBackend.SlurmCluster",
      kwargs: try config.cluster(named: "hpc").clusterKwargs, timeout: .seconds(90))
    try await kit.run(check)
    #expect(slurm.activeJobs().isEmpty, "jobs left in the queue: \(slurm.activeJobs())")
  }
}
