import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Shoal
import ShoalScheduler
import ShoalTLS

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

      With --tls-ca/--tls-cert/--tls-key it speaks only mutual TLS 1.3: every peer must
      present a certificate signed by that CA (with a role marker, a worker certificate
      may only register workers and a client certificate only submit). On a --host other
      than loopback, plain TCP is refused unless --tls-off is given (docs/security.md).

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

  @OptionGroup var tls: TLSOptions

  @Flag(
    name: .customLong("tls-off"),
    help:
      "Serve plain TCP on a non-loopback --host (the token and every task cross the network in clear)."
  )
  var tlsOff = false

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
    guard heartbeatTimeout > 0 else {
      throw ValidationError("--heartbeat-timeout must be positive")
    }
    guard retryLimit >= 0 else { throw ValidationError("--retry-limit must be 0 or more") }
    if tlsOff && tls.files != nil {
      throw ValidationError("--tls-off and --tls-ca/--tls-cert/--tls-key contradict each other")
    }
    if !tlsOff && tls.files == nil && !SchedulerCommand.isLoopback(host) {
      throw ValidationError(
        "--host \(host) is reachable from the network, and plain TCP would send the token and"
          + " every task in clear: give --tls-ca/--tls-cert/--tls-key, or --tls-off to accept it"
          + " (docs/security.md)")
    }
  }

  static func isLoopback(_ host: String) -> Bool {
    host == "localhost" || host.hasPrefix("127.") || host == "::1"
  }

  func run() async throws {
    LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    let logger = Logger(label: "shoal.scheduler")
    let environment = ProcessInfo.processInfo.environment
    let path = tokenFile ?? TokenFile.defaultPath(environment: environment)
    let token = try TokenFile.readOrCreate(path)
    logger.info("token file", metadata: ["path": "\(path)"])
    var configuration = SchedulerConfiguration(
      host: host, port: port, token: token,
      heartbeatTimeout: .milliseconds(Int64(heartbeatTimeout * 1000)), retryLimit: retryLimit)
    configuration.tls = try tls.settings() ?? .off
    if tlsOff {
      logger.warning(
        "plain TCP on \(host) (--tls-off): the token and every task cross the network in clear")
    }
    let scheduler = Scheduler(configuration: configuration, logger: logger)
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
