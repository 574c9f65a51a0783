import ArgumentParser
import Foundation
import Shoal
import ShoalCore

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
