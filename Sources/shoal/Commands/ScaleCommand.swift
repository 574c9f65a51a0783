import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// `shoal scale NAME N`.
struct ScaleCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scale",
    abstract: "Set the number of workers of a detached cluster (turns adaptive scaling off).",
    discussion: """
      Scaling up starts workers at once; scaling down retires workers through the \
      scheduler first (idle ones first; running tasks finish), then stops them. As in \
      Dask, a manual scale turns adaptive scaling off; `shoal adapt` turns it back on.

      In a cluster with worker groups, --group scales one group (adaptive scaling stops \
      for that group only).

      Examples:
        shoal scale local 4
        shoal scale local 0
        shoal scale mixed 2 --group gpus
      """)

  @Argument(help: "The cluster's name.") var name: String
  @Argument(help: "The number of workers.") var count: Int
  @Option(help: ArgumentHelp("Scale only this worker group.", valueName: "group"))
  var group: String?
  @OptionGroup var options: ConfigOptions

  func validate() throws {
    try SecondsOption.checkWorkers(count, "the number of workers")
  }

  func run() async throws {
    try await withErrorReporting {
      let cluster = try DetachedCluster.find(name, stateFolder: .standard())
      var arguments = ["n": String(count)]
      if let group { arguments["group"] = group }
      let status = try await cluster.send("scale", arguments: arguments, timeout: .seconds(120))
      if let group, let row = status?.groups?.first(where: { $0.name == group }) {
        print("cluster `\(name)`, group `\(group)`: \(row.planned) workers")
      } else {
        print("cluster `\(name)`: \(status?.workers.count ?? count) workers")
      }
    }
  }
}

/// `shoal adapt NAME --minimum A --maximum B`.
struct AdaptCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "adapt",
    abstract: "Turn on adaptive scaling of a detached cluster, within new bounds.",
    discussion: """
      The backend clamps the maximum to its capacity (LocalCluster: max_workers, by \
      default 4 x the core count) and refuses a minimum it cannot reach.

      --dry-run prints the decisions the policy would take now (per worker group), and \
      why, and changes nothing.

      Examples:
        shoal adapt burst --minimum 0 --maximum 8
        shoal adapt local --minimum 1
        shoal adapt mixed --dry-run
      """)

  @Argument(help: "The cluster's name.") var name: String
  @Option(help: "Never fewer workers than this.") var minimum: Int = 0
  @Option(help: "Never more workers than this (default: none).") var maximum: Int?
  @Flag(help: "Print what the policy would decide now, and why; change nothing.")
  var dryRun = false
  @OptionGroup var options: ConfigOptions

  func validate() throws {
    try SecondsOption.checkWorkers(minimum, "--minimum")
    if let maximum { try SecondsOption.checkWorkers(maximum, "--maximum") }
    if let maximum, maximum < minimum {
      throw ValidationError("--minimum (\(minimum)) is greater than --maximum (\(maximum))")
    }
  }

  func run() async throws {
    try await withErrorReporting {
      let cluster = try DetachedCluster.find(name, stateFolder: .standard())
      if dryRun {
        let status = try await cluster.send("adapt", arguments: ["dry_run": "true"])
        for decision in status?.dryRun ?? [] {
          print(
            "\(decision)"
              + (decision.retire.isEmpty
                ? "" : " (retire \(decision.retire.joined(separator: ", ")))"))
        }
        return
      }
      var arguments = ["minimum": String(minimum)]
      if let maximum { arguments["maximum"] = String(maximum) }
      let status = try await cluster.send("adapt", arguments: arguments)
      let bounds = status?.adaptive.map { "\($0.minimum)..\($0.maximum.map(String.init) ?? "∞")" }
      print("cluster `\(name)`: adaptive \(bounds ?? "on")")
    }
  }
}

/// `shoal down NAME`.
struct DownCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "down",
    abstract: "Close a detached cluster: retire and stop its workers, stop its scheduler.",
    discussion: """
      Waits until the cluster's process has exited. A dead cluster (its process gone) \
      has its record cleared.

      Examples:
        shoal down burst
      """)

  @Argument(help: "The cluster's name.") var name: String
  @Option(help: "Seconds to wait for it to close before killing it.") var timeout: Double = 60
  @OptionGroup var options: ConfigOptions

  func validate() throws { try SecondsOption.check(timeout, "--timeout") }

  func run() async throws {
    try await withErrorReporting {
      let folder = StateFolder.standard()
      if let record = folder.record(name), !ClusterLock.isHeld(folder.lockFile(name)) {
        folder.removeRecord(name)
        print("cluster `\(name)` was not running (pid \(record.pid) is gone); cleared its record")
        await DownCommand.removeLeftovers(of: record)
        return
      }
      let cluster = try DetachedCluster.find(name, stateFolder: folder)
      _ = try await cluster.send("down")
      let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
      while ClusterLock.isHeld(folder.lockFile(name)) {
        if ContinuousClock.now >= deadline {
          kill(cluster.record.pid, SIGKILL)
          folder.removeRecord(name)
          await DownCommand.removeLeftovers(of: cluster.record)
          throw ShoalError(
            .timeout,
            "cluster `\(name)` did not close within \(timeout) s; killed its process \(cluster.record.pid)"
          )
        }
        try await Task.sleep(for: .milliseconds(20))
      }
      print("cluster `\(name)` is down")
    }
  }

  /// Removes what the dead cluster's workers left behind (containers of a killed
  /// `shoal`), through its backend; a failure is a warning, not an error.
  static func removeLeftovers(of record: ClusterRecord) async {
    do {
      let removed = try await ClusterLeftovers.remove(record: record)
      if !removed.isEmpty {
        print("removed what it left behind: \(removed.joined(separator: ", "))")
      }
    } catch {
      ErrorReporting.warn("could not remove what `\(record.name)` left behind: \(error)")
    }
  }
}
