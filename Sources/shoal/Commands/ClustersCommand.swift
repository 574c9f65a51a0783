import ArgumentParser

/// `shoal clusters`: the clusters declared in clusters.yaml.
struct ClustersCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clusters",
    abstract: "List the clusters declared in clusters.yaml, or show one.",
    discussion: """
      Examples:
        shoal clusters               each cluster's mode, class and adapt bounds
        shoal clusters --json        the same as JSON
        shoal clusters show burst    one cluster, defaults filled in
      """,
    subcommands: [ClustersListCommand.self, ClustersShowCommand.self],
    defaultSubcommand: ClustersListCommand.self)
}
