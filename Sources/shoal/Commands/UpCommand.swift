import ArgumentParser
import Foundation
import Logging
import Shoal
import ShoalCore
import UnixSignals

/// `shoal up NAME [--detach]`: keep a cluster up.
struct UpCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "up",
    abstract: "Start a cluster from clusters.yaml and keep it up.",
    discussion: """
      Without --detach the cluster runs in the foreground until Ctrl-C (or SIGTERM), \
      which retires and stops its workers. With --detach it runs in the background; \
      its address, token file and pid are recorded under the state folder \
      ($XDG_STATE_HOME/shoal/clusters/NAME, default ~/.local/state/shoal/...), where \
      `shoal ps`, `scale`, `adapt`, `down` and `run/map --cluster NAME` find it.

      Examples:
        shoal up local                 foreground, Ctrl-C to stop
        shoal up burst --detach        background; then `shoal ps`, `shoal down burst`
      """)

  @Argument(help: "The cluster's name in clusters.yaml (default: the config's `default`).")
  var name: String?

  @Flag(help: "Run in the background and return once the cluster is up.")
  var detach = false

  @Flag(help: .hidden) var detachedChild = false

  @OptionGroup var options: ConfigOptions

  func run() async throws {
    try await withErrorReporting {
      let config = try options.loadConfig()
      let spec = try config.cluster(named: name)
      if spec.address != nil {
        throw ShoalError(
          .invalidState,
          "cluster `\(spec.name)` is an existing cluster (address \(spec.address!)); there is nothing to start",
          location: spec.location, keyPath: spec.keyPath)
      }
      let folder = StateFolder.standard()
      try StateFolder.makeFolder(folder.cluster(spec.name))
      if detach {
        try await Detach.start(spec: spec, config: config, options: options, folder: folder)
      } else {
        try await foreground(spec: spec, config: config, folder: folder)
      }
    }
  }

  private func foreground(spec: ClusterSpec, config: ShoalConfig, folder: StateFolder) async throws
  {
    let lock = try ClusterLock(path: folder.lockFile(spec.name), clusterName: spec.name)
    let logger = ClusterLogging.make(label: "shoal.cluster", fallback: .info)
    let runtime = try ClusterRuntime(
      spec: spec, loader: options.loader(config: config),
      options: ClusterOptions.forCommand(
        stateFolder: folder, recorded: true, detached: detachedChild, configFile: config.file,
        logger: logger),
      logger: logger)
    async let announced: Void = announce(runtime)
    // Ctrl-C or SIGTERM closes the cluster properly (retire, stop); a second one stops
    // the workers at once.
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
      tasks.addTask { try await runtime.run() }
      tasks.addTask {
        var received = 0
        for await _ in signals {
          received += 1
          if received > 1 { return }
          runtime.close()
        }
      }
      defer { tasks.cancelAll() }
      try await tasks.next()
    }
    await announced
    withExtendedLifetime(lock) {}
  }

  private func announce(_ runtime: ClusterRuntime) async {
    guard let endpoint = try? await runtime.ready(), !detachedChild else { return }
    FileHandle.standardOutput.write(
      Data(
        ("cluster `\(endpoint.name)` is up at \(endpoint.address); Ctrl-C to stop it\n"
          + (runtime.dashboard.map { "  dashboard: \($0)\n" } ?? "")).utf8))
  }
}

/// Starting `shoal up NAME` as a background process and waiting until it is up.
enum Detach {
  static func start(
    spec: ClusterSpec, config: ShoalConfig, options: ConfigOptions, folder: StateFolder
  ) async throws {
    if ClusterLock.isHeld(folder.lockFile(spec.name)) {
      let address = folder.record(spec.name)?.address ?? "starting"
      throw ShoalError(
        .invalidState, "cluster `\(spec.name)` is already up (\(address))",
        hint: "use it with `--cluster \(spec.name)`, or stop it with `shoal down \(spec.name)`")
    }
    folder.removeRecord(spec.name)
    let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    let configFile = URL(fileURLWithPath: config.file).standardizedFileURL.path
    var arguments = ["up", spec.name, "--detached-child", "--config", configFile]
    for path in options.pluginPath {
      arguments += ["--plugin-path", URL(fileURLWithPath: path).standardizedFileURL.path]
    }
    let logFile = folder.logFile(spec.name)
    try? FileManager.default.removeItem(atPath: logFile)
    let pid = try ProcessSupervisor.spawnDetached(
      .init(
        executable: me, arguments: arguments, workingDirectory: "/", logFile: logFile))
    let deadline = ContinuousClock.now + spec.timeouts.start + .seconds(15)
    while ContinuousClock.now < deadline {
      var status: Int32 = 0
      if waitpid(pid, &status, WNOHANG) == pid {
        let output = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        let reason = output.range(of: "error: ", options: .backwards).map {
          String(output[$0.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw ShoalError(
          .backendFailed,
          "cluster `\(spec.name)` did not start: "
            + (reason ?? "the background process exited; see \(logFile)"),
          hint: "its output is in \(logFile)")
      }
      if let record = folder.record(spec.name), record.pid == pid {
        print("cluster `\(spec.name)` is up at \(record.address) (pid \(pid))")
        if let dashboard = record.dashboard { print("  dashboard: \(dashboard)") }
        print("  token: \(record.tokenFile)")
        print("  log:   \(logFile)")
        print("  stop:  shoal down \(spec.name)")
        return
      }
      try await Task.sleep(for: .milliseconds(20))
    }
    kill(-pid, SIGKILL)
    throw ShoalError(
      .timeout,
      "cluster `\(spec.name)` was not up within \((spec.timeouts.start + .seconds(15)).seconds) s; stopped it",
      hint: "see \(logFile)")
  }
}
