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
