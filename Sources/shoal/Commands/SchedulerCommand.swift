import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Shoal
import ShoalScheduler

/// `shoal scheduler`: runs a scheduler until SIGTERM or SIGINT.
struct SchedulerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scheduler",
    abstract: "Run a scheduler that workers and clients connect to.",
    discussion: """
      When it is ready it prints exactly one line on stdout, `address: tcp://HOST:PORT`;
      logs go to stderr. Peers must present its token: the one in --token-file F (a new
      one is written there, mode 0600, when F does not exist). Without --token-file it
      uses the default token file, ~/.local/state/shoal/token ($XDG_STATE_HOME/shoal/token),
      which connecting commands read when given no --token-file and no $SHOAL_TOKEN.
      SIGTERM or SIGINT shuts it down gracefully.

      Example:
        shoal scheduler --port 8786 --token-file ./token &
        SHOAL_TOKEN=$(cat token) shoal worker tcp://127.0.0.1:8786 &
        shoal run --address tcp://127.0.0.1:8786 --token-file ./token -- hostname
      """)

  @Option(help: ArgumentHelp("The interface to listen on.", valueName: "host"))
  var host = "127.0.0.1"

  @Option(help: ArgumentHelp("The port to listen on; 0 picks a free one.", valueName: "port"))
  var port = 8786

  @Option(
    name: .customLong("token-file"),
    help: ArgumentHelp("The token file (created with a new token when missing).", valueName: "file")
  )
  var tokenFile: String?

  @Option(
    name: .customLong("heartbeat-timeout"),
    help: ArgumentHelp("Seconds of silence after which a peer is dropped.", valueName: "seconds"))
  var heartbeatTimeout: Double = 10

  @Option(
    name: .customLong("retry-limit"),
    help: ArgumentHelp("Times a task is retried after its worker is lost.", valueName: "n"))
  var retryLimit = 3

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    try SecondsOption.check(heartbeatTimeout, "--heartbeat-timeout")
    guard (0...1000).contains(retryLimit) else {
      throw ValidationError("--retry-limit must be from 0 to 1000, found \(retryLimit)")
    }
  }

  func run() async throws {
    LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    let logger = Logger(label: "shoal.scheduler")
    let environment = ProcessInfo.processInfo.environment
    let path = tokenFile ?? TokenFile.defaultPath(environment: environment)
    let token = try TokenFile.readOrCreate(path)
    logger.info("token file", metadata: ["path": "\(path)"])
    let scheduler = Scheduler(
      configuration: SchedulerConfiguration(
        host: host, port: port, token: token,
        heartbeatTimeout: .milliseconds(Int64(heartbeatTimeout * 1000)), retryLimit: retryLimit),
      logger: logger)
    let services = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: [scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await services.run() }
      group.addTask {
        let address = try await scheduler.listeningAddress()
        // Written straight to fd 1: one line, flushed, whatever stdout's buffering is.
        FileHandle.standardOutput.write(Data("address: \(address)\n".utf8))
      }
      try await group.waitForAll()
    }
  }
}
