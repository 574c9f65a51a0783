import ArgumentParser
import Foundation
import Shoal
import ShoalCore

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
