import ArgumentParser

/// The `shoal` command: one root command, one file per subcommand under Commands/.
@main
struct ShoalCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "shoal",
    abstract: "A cluster manager for Swift on Linux.",
    discussion: """
      Declare clusters in clusters.yaml, pick one by name, and run work on it.

      Examples:
        shoal validate                       check clusters.yaml
        shoal clusters                       list the declared clusters
        shoal map --inputs numbers.txt -- sh -c 'echo $(({} * {}))'
        shoal up burst --detach && shoal ps && shoal down burst
      """,
    version: ShoalVersion.current,
    subcommands: ShoalCommand.all)
}
