import Shoal
import ShoalBackendTesting
import ShoalCore
import ShoalTestSupport
import Testing

/// `SSHBackend.SSHCluster` against the conformance kit, on real hosts: two network
/// namespaces with their own sshd, made afresh for each check. The kit's scheduler
/// listens where `scheduler_options.host` says (the first link's root side), which
/// every host reaches; its `close` check looks for leftover processes on this machine,
/// which the namespaces share with the test.
@Suite(
  .serialized,
  .enabled(
    if: Integration.runs(missing: SSHHosts.unavailableReason),
    "\(SSHHosts.unavailableReason ?? "")"),
  .failsWithout(SSHHosts.unavailableReason))
struct SSHBackendConformanceTests {
  /// The kit for an SSH cluster over `hosts`: one slot on each, so the kit's
  /// `workers + 1` lands one worker on each host.
  func kit(_ hosts: SSHHosts) throws -> BackendConformance {
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    let yaml = """
      version: 1
      clusters:
        lab:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs:
            hosts: [\(a), \(b)]
            connect_options: \(hosts.connectOptions())
            scheduler_options: {host: \(hosts.schedulerHost)}
            worker_options: {nthreads: 1, give_up_after: 5}
      """
    let config = try ShoalConfig.parse(yaml, file: "clusters.yaml", environment: [:])
    return BackendConformance(
      clusterClass: "SSHBackend.SSHCluster", kwargs: try config.cluster(named: "lab").clusterKwargs)
  }

  @Test(arguments: BackendConformance.Check.allCases)
  func conformance(_ check: BackendConformance.Check) async throws {
    let hosts = try SSHHosts(count: 2)
    defer { hosts.close() }
    try await kit(hosts).run(check)
  }
}
