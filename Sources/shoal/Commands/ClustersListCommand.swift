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
      // Adaptive clusters' backends are loaded (nothing starts) for the bounds they
      // will really use: a backend clamps the maximum to its capacity.
      let loader = options.loader(config: config)
      var summaries = config.summaries
      for (index, spec) in config.clusters.enumerated() where spec.adapt != nil {
        let check = ShoalConfig.checkBackend(spec, loader: loader)
        if let granted = check.adapt, granted != spec.adapt {
          summaries[index].effectiveAdapt = .init(granted)
          summaries[index].adaptNote = check.adaptNote
        }
      }
      if json {
        try JSONOutput.print(
          ClustersListing(
            file: config.file, defaultCluster: config.defaultCluster, clusters: summaries))
        return
      }
      var rows = [["NAME", "MODE", "CLASS / ADDRESS", "ADAPT"]]
      for summary in summaries {
        rows.append([
          summary.name + (summary.isDefault ? " *" : ""),
          summary.mode,
          summary.clusterClass ?? summary.address ?? "",
          summary.effectiveAdapt.map { "\($0.text) (declared \(summary.adapt?.text ?? "-"))" }
            ?? summary.adapt?.text ?? "-",
        ])
      }
      print(Table.render(rows), terminator: "")
      for summary in summaries {
        if let note = summary.adaptNote { print("note: \(summary.name): \(note)") }
      }
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
