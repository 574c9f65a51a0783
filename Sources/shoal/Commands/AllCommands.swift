import ArgumentParser

extension ShoalCommand {
  /// Every subcommand, in the order `--help` lists them. Each lives in its own file.
  static let all: [any ParsableCommand.Type] = [
    SchedulerCommand.self, WorkerCommand.self, RunCommand.self, MapCommand.self,
  ]
}
