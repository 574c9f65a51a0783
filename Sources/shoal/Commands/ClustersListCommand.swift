import ArgumentParser
import Shoal
import ShoalCore

/// `shoal clusters [list]`: one line per cluster, without loading plugins.
struct ClustersListCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the declared clusters: name, mode, class or address, adapt bounds.",
    discussion: """
      Modes: `local` (LocalBackend.LocalCluster with a fixed size), \
      `temporary` (any other class, or adaptive; created for one run), \
      `existing` (reached by address). `*` marks the default cluster.
      """)

  @OptionGroup var options: ConfigOptions
  @Flag(help: "Print JSON instead of a table.") var json = false

  func run() async throws {
    try withErrorReporting {
      let config = try options.loadConfig()
      if json {
        try JSONOutput.print(
          ClustersListing(
            file: config.file, defaultCluster: config.defaultCluster, clusters: config.summaries))
        return
      }
      var rows = [["NAME", "MODE", "CLASS / ADDRESS", "ADAPT"]]
      for summary in config.summaries {
        rows.append([
          summary.name + (summary.isDefault ? " *" : ""),
          summary.mode,
          summary.clusterClass ?? summary.address ?? "",
          summary.adapt.map { "\($0.minimum)..\($0.maximum.map(String.init) ?? "∞")" } ?? "-",
        ])
      }
      print(Table.render(rows), terminator: "")
    }
  }
}

/// The JSON shape of `shoal clusters --json`.
struct ClustersListing: Encodable {
  var file: String
  var defaultCluster: String?
  var clusters: [ClusterSummary]

  enum CodingKeys: String, CodingKey {
    case file, clusters
    case defaultCluster = "default"
  }
}
