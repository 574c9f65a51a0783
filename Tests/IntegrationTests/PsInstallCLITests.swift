import Foundation
import ShoalTestSupport
import Testing

/// Issue 17: `shoal ps` per worker, and `Scripts/install`.
@Suite(.serialized) struct PsInstallCLITests {
  @Test func psShowsEachWorkersTasksCpuMemoryAndUptime() throws {
    let folder = try TemporaryDirectory.make("s17-ps")
    let environment = ["SHOAL_STATE_DIR": folder + "/state"]
    let config = folder + "/clusters.yaml"
    try
      "version: 1\nclusters:\n  s17ps:\n    cluster_kwargs: {n_workers: 2, threads_per_worker: 1}\n"
      .write(toFile: config, atomically: true, encoding: .utf8)
    func shoal(_ arguments: String...) throws -> CommandOutput {
      try CommandRunner.shoal(
        arguments + ["--config", config], environment: environment, currentDirectory: folder,
        timeout: 90)
    }
    defer {
      // Whatever happened: the detached cluster's process (its workers follow it).
      let record = folder + "/state/clusters/s17ps/cluster.json"
      if let data = FileManager.default.contents(atPath: record),
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let pid = object["pid"] as? Int
      {
        kill(Int32(pid), SIGKILL)
      }
    }
    let up = try shoal("up", "s17ps", "--detach")
    #expect(up.status == 0, "\(up.stderr)")
    let map = try CommandRunner.shoal(
      ["map", "--config", config, "--cluster", "s17ps", "--", "sh", "-c", "test {} -ne 3"],
      environment: environment, currentDirectory: folder, stdin: "1\n2\n3\n4\n")
    #expect(map.status == 1)

    let table = try shoal("ps")
    #expect(table.status == 0, "\(table.stderr)")
    let header = try #require(
      table.stdout.split(separator: "\n").first { $0.hasPrefix("  WORKER ") })
    for column in ["DONE", "FAILED", "CPU", "MEMORY", "UP"] {
      #expect(header.contains(column), "\(table.stdout)")
    }
    #expect(table.stdout.contains("MiB"), "\(table.stdout)")
    #expect(table.stdout.contains("%"), "\(table.stdout)")

    let json = try shoal("ps", "--json")
    let clusters = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    let workers = try #require(clusters.first?["workers"] as? [[String: Any]])
    #expect(workers.count == 2)
    let done = workers.compactMap { $0["completed"] as? Int }.reduce(0, +)
    let failed = workers.compactMap { $0["failed"] as? Int }.reduce(0, +)
    #expect(done == 4, "\(json.stdout)")
    #expect(failed == 1, "\(json.stdout)")
    for worker in workers {
      let usage = try #require(worker["usage"] as? [String: Any], "\(worker)")
      #expect((usage["memoryBytes"] as? Int ?? 0) > 1_000_000, "\(usage)")
      #expect((usage["cpuPercent"] as? Double ?? -1) >= 0)
      #expect((worker["uptimeSeconds"] as? Double ?? -1) > 0)
    }
    #expect(try shoal("down", "s17ps").status == 0)
  }

  @Test func installPutsShoalAndThePluginsUnderAPrefixWhereTheyAreFound() throws {
    let prefix = try TemporaryDirectory.make("s17-prefix")
    let install = try CommandRunner.run(
      BuildProducts.repositoryRoot + "/Scripts/install",
      ["--prefix", prefix, "--from", BuildProducts.directory], timeout: 60)
    #expect(install.status == 0, "\(install.stderr)")
    let shoal = prefix + "/bin/shoal"
    #expect(FileManager.default.isExecutableFile(atPath: shoal))
    for plugin in ["LocalBackend", "SSHBackend", "ContainerBackend"] {
      #expect(FileManager.default.fileExists(atPath: prefix + "/lib/shoal/plugins/lib\(plugin).so"))
    }

    // Run from an empty folder, no clusters.yaml, no plugin path: the installed shoal
    // finds its plugins and runs a task on a local cluster.
    let empty = try TemporaryDirectory.make("s17-empty")
    let environment = ["SHOAL_STATE_DIR": empty + "/state", "HOME": empty]
    let plugins = try CommandRunner.run(
      shoal, ["plugins", "--json"], environment: environment, currentDirectory: empty)
    #expect(plugins.status == 0, "\(plugins.stderr)")
    #expect(plugins.stdout.contains("/lib/shoal/plugins/libLocalBackend.so"), "\(plugins.stdout)")
    let run = try CommandRunner.run(
      shoal, ["run", "--", "echo", "installed"], environment: environment,
      currentDirectory: empty, timeout: 120)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "installed\n")

    let usage = try CommandRunner.run(BuildProducts.repositoryRoot + "/Scripts/install", [])
    #expect(usage.status == 64)
    #expect(usage.stderr.contains("--prefix DIR"))
  }
}
