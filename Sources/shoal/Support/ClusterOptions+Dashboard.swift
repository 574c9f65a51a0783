import Foundation
import Logging
import Shoal
import ShoalDashboard

extension ClusterOptions {
  /// The options of a cluster that this `shoal` command owns: with the dashboard
  /// (`ShoalDashboard`) and the command line, which `shoal ps` shows for a temporary
  /// cluster.
  static func forCommand(
    stateFolder: StateFolder = .standard(), recorded: Bool = false, detached: Bool = false,
    configFile: String?, logger: Logger
  ) -> ClusterOptions {
    var options = ClusterOptions(
      stateFolder: stateFolder, recorded: recorded, detached: detached, configFile: configFile)
    options.dashboard = ClusterDashboardServer(logger: logger)
    let line = (["shoal"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    options.command = line.count > 120 ? String(line.prefix(117)) + "..." : line
    return options
  }
}
