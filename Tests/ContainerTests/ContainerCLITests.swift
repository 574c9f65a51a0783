import Foundation
import ShoalTestSupport
import Testing

/// The container cluster through the `shoal` CLI: `run`, `up --detach`, `ps --json`,
/// `logs`, and `down` of a cluster whose process was killed.
extension ContainerClusterTests {
  struct CLI {
    let config: String
    let environment: [String: String]
    let name: String

    init() throws {
      name = "cli\(UUID().uuidString.prefix(6).lowercased())"
      config = try TemporaryDirectory.write(
        """
        version: 1
        default: \(name)
        clusters:
          \(name):
            cluster_class: ContainerBackend.ContainerCluster
            cluster_kwargs: {runtime: podman, n_workers: 2, worker_options: {give_up_after: 60}}
        """)
      environment = Podman.environment.merging(
        ["SHOAL_STATE_DIR": try TemporaryDirectory.make("shoal-ct-cli-state")]) { $1 }
    }

    /// `shoal COMMAND [--config FILE] ARGUMENTS` (the config only for commands that read it).
    func shoal(_ arguments: [String], timeout: Double = 120) throws -> CommandOutput {
      let readsConfig = ["run", "up"].contains(arguments[0])
      return try CommandRunner.shoal(
        [arguments[0]] + (readsConfig ? ["--config", config] : []) + arguments.dropFirst(),
        environment: environment, timeout: timeout)
    }
  }

  @Test func runOnATemporaryContainerCluster() throws {
    _ = try Podman.image.get()
    let cli = try CLI()
    defer { Podman.removeAll(label: "shoal.cluster-name", value: cli.name) }
    let output = try cli.shoal([
      "run", "--cluster", cli.name, "--", "sh", "-c", "echo $((6 * 7)); ls /opt/shoal/shoal",
    ])
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout == "42\n/opt/shoal/shoal\n")
    #expect(try Podman.containers(label: "shoal.cluster-name", value: cli.name).isEmpty)
  }

  @Test func downRemovesTheContainersOfAKilledCluster() throws {
    _ = try Podman.image.get()
    let cli = try CLI()
    defer {
      // On failure too: a detached cluster left up would keep replacing its containers.
      _ = try? cli.shoal(["down", cli.name])
      Podman.removeAll(label: "shoal.cluster-name", value: cli.name)
    }
    let up = try cli.shoal(["up", cli.name, "--detach"])
    #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
    let ps = try cli.shoal(["ps", "--json"])
    let clusters = try JSONSerialization.jsonObject(with: Data(ps.stdout.utf8)) as? [[String: Any]]
    let cluster = try #require(clusters?.first)
    let pid = try #require(cluster["pid"] as? Int)
    let workers = (cluster["workers"] as? [[String: Any]] ?? []).compactMap {
      $0["name"] as? String
    }
    #expect(workers.count == 2)
    #expect(try Podman.containers(label: "shoal.cluster-name", value: cli.name) == workers.sorted())
    // Each worker's log is reachable by name.
    let logs = try cli.shoal(["logs", cli.name])
    #expect(logs.status == 0, "\(logs.stderr)")
    #expect(workers.allSatisfy { logs.stdout.contains($0) })
    let log = try cli.shoal(["logs", cli.name, workers[0]])
    #expect(log.stdout.contains("connected"), "\(log.stdout)")
    // Killed: its containers stay (their workers would give up after 60 s) until `down`.
    kill(pid_t(pid), SIGKILL)
    #expect(try Podman.containers(label: "shoal.cluster-name", value: cli.name).count == 2)
    let down = try cli.shoal(["down", cli.name])
    #expect(down.status == 0, "\(down.stderr)")
    #expect(down.stdout.contains("removed what it left behind"), "\(down.stdout)")
    #expect(try Podman.containers(label: "shoal.cluster-name", value: cli.name).isEmpty)
  }
}
