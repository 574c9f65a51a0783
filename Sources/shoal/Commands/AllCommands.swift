import ArgumentParser

extension ShoalCommand {
  /// Every subcommand, in the order `--help` lists them. Each lives in its own file.
  static let all: [any ParsableCommand.Type] = [
    InitCommand.self,
    ValidateCommand.self,
    ClustersCommand.self,
    PluginsCommand.self,
    SchedulerCommand.self,
    WorkerCommand.self,
    RunCommand.self,
    MapCommand.self,
    ImageCommand.self,
    LogsCommand.self,
    JobScriptCommand.self,
    UpCommand.self,
    PsCommand.self,
    EventsCommand.self,
    ScaleCommand.self,
    AdaptCommand.self,
    DownCommand.self,
    PluginCommand.self,
  ]
}
