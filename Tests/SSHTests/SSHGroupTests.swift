import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import ShoalWire
import Testing

/// Two SSH worker groups in one cluster, on real sshd in network namespaces: each
/// group's backend names its workers after `CLUSTER-GROUP`, so the two are told
/// apart, and a task asking for one group's resource runs only on that group's host.
extension SSHClusterTests {
  /// A cluster `lab` with groups `alpha` (host 0, resource `alpha`) and `beta`
  /// (host 1, resource `beta`), both SSH, both adaptive from 0 to 1.
  func twoSSHGroups(_ hosts: SSHHosts) throws -> ClusterRuntime {
    func group(_ name: String, host: Int, priority: Int) -> String {
      """
            \(name):
              cluster_class: SSHBackend.SSHCluster
              cluster_kwargs:
                hosts: [\(hosts.machines[host].address)]
                connect_options: \(hosts.connectOptions())
                scheduler_options: {host: \(hosts.schedulerHost)}
                worker_options: {nthreads: 1, give_up_after: 5}
              adapt_kwargs: {minimum: 0, maximum: 1, interval: 0.2, wait_count: 25}
              resources: {\(name): 1}
              priority: \(priority)
      """
    }
    let yaml = """
      version: 1
      clusters:
        lab:
          groups:
      \(group("alpha", host: 0, priority: 0))
      \(group("beta", host: 1, priority: 1))
      """
    let config = try ShoalConfig.load(file: try TemporaryDirectory.write(yaml), environment: [:])
    return try ClusterRuntime(
      spec: try config.cluster(named: "lab"), loader: SSHClusterTests.loader,
      options: ClusterOptions(
        workerExecutable: BuildProducts.shoal,
        stateFolder: StateFolder(root: try TemporaryDirectory.make("gp-ssh-state"))),
      logger: SSHClusterTests.logger)
  }

  @Test func twoSSHGroupsOfOneClusterRunTheirOwnTasks() async throws {
    let hosts = try SSHHosts(count: 2, prefix: "gp")
    defer { hosts.close() }
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    let runtime = try twoSSHGroups(hosts)
    try await running(runtime) { endpoint in
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      // Each task prints the address of the namespace it ran in, then its index.
      func task(_ index: Int, needs resource: String) throws -> TaskSpec {
        var spec = TaskSpec.shell(
          "sh",
          ["-c", "sleep 0.5; ip -4 -o addr show scope global | awk '{print $4}'; echo \(index)"])
        spec.resources = try ResourceSet(parsing: "\(resource)=1")
        return spec
      }
      let needs = (0..<6).map { $0 % 2 == 0 ? "alpha" : "beta" }
      let results = try await executor.map(
        try needs.enumerated().map { try task($0.offset, needs: $0.element) })
      // The workers the groups started, by group, as `shoal ps` sees them.
      let workers = await runtime.status().workers
      await executor.close()
      #expect(results.map(\.status) == Array(repeating: .succeeded, count: 6), "\(results)")
      for (index, result) in results.enumerated() {
        let group = needs[index]
        let lines = String(decoding: result.output, as: UTF8.self).split(separator: "\n")
        #expect(lines.last.map(String.init) == "\(index)")
        #expect(
          lines.first.map(String.init) == "\(group == "alpha" ? a : b)/30",
          "task \(index) needs \(group): \(lines)")
        #expect(
          result.worker?.hasPrefix("lab-\(group)-ssh-") == true,
          "task \(index) needs \(group), ran on \(result.worker ?? "?")")
      }
      let byGroup = Dictionary(grouping: workers, by: { $0.group ?? "?" })
      #expect(
        byGroup["alpha"]?.allSatisfy { $0.name.hasPrefix("lab-alpha-ssh-") } == true, "\(workers)")
      #expect(
        byGroup["beta"]?.allSatisfy { $0.name.hasPrefix("lab-beta-ssh-") } == true, "\(workers)")
      #expect(Set(workers.map(\.name)).count == workers.count, "no name twice: \(workers)")
    }
    // Closed: no worker process is left on either host.
    #expect(
      await eventually { workerProcesses(hosts, 0).isEmpty && workerProcesses(hosts, 1).isEmpty })
  }
}
