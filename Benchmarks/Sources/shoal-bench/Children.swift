import Foundation
import Logging
import ServiceLifecycle
import ShoalCore
import ShoalPluginHost
import ShoalScheduler
import ShoalWorker

/// The child modes of `shoal-bench` used by the scale workload.
enum Children {
  /// `serve --token T`: a scheduler alone in this process. Prints its address, then
  /// `queued N workers N` whenever either changes (checked every 10 ms).
  static func serve(_ options: Options) async throws {
    guard let token = options.token else { throw BenchError("serve needs --token") }
    var logger = Logger(label: "bench.serve")
    logger.logLevel = .error
    let scheduler = Scheduler(configuration: SchedulerConfiguration(token: token), logger: logger)
    let group = ServiceGroup(
      configuration: .init(
        services: [scheduler], gracefulShutdownSignals: [.sigterm], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
      tasks.addTask { try await group.run() }
      tasks.addTask {
        say(try await scheduler.listeningAddress())
        var last = (-1, -1)
        while getppid() != 1 {
          let load = await scheduler.load()
          let now = (load.queued, load.workers.count)
          if now != last {
            say("queued \(now.0) workers \(now.1)")
            last = now
          }
          try await Task.sleep(for: .milliseconds(10))
        }
      }
      // Either ends the child: SIGTERM (the group shuts down) or the parent gone.
      try await tasks.next()
      tasks.cancelAll()
    }
  }

  /// `workers --address A --token T --workers N`: N lightweight workers (1 slot each)
  /// in this one process, each its own `Worker` service and connection.
  static func workers(_ options: Options) async throws {
    guard let token = options.token, let address = options.address else {
      throw BenchError("workers needs --address and --token")
    }
    var logger = Logger(label: "bench.workers")
    logger.logLevel = .error
    // tcp://HOST:PORT
    let hostPort = address.replacingOccurrences(of: "tcp://", with: "")
    guard let colon = hostPort.lastIndex(of: ":"),
      let port = Int(hostPort[hostPort.index(after: colon)...])
    else { throw BenchError("bad address \(address)") }
    let host = String(hostPort[..<colon])
    let swift = try SwiftTaskRunner(loader: PluginLoader())
    var services: [any Service] = []
    for index in 0..<(options.workers ?? 200) {
      let name = "light-\(index)"
      let configuration = WorkerConfiguration(
        host: host, port: port, name: name, slots: 1, token: token)
      let runner = TaskRunner(shell: ShellTaskRunner(), swift: swift, workerName: name)
      services.append(Worker(configuration: configuration, runner: runner, logger: logger))
    }
    let group = ServiceGroup(
      configuration: .init(services: services, gracefulShutdownSignals: [.sigterm], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
      tasks.addTask { try await group.run() }
      tasks.addTask {
        // The parent gone (killed): stop, rather than reconnect forever.
        while getppid() != 1 { try await Task.sleep(for: .milliseconds(100)) }
      }
      try await tasks.next()
      tasks.cancelAll()
    }
  }
}

/// Writes a line to stdout at once (the parent reads it through a pipe).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
