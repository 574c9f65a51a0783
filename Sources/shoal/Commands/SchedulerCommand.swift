import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Shoal
import ShoalCore
import ShoalDashboard
import ShoalScheduler
import ShoalTLS

/// `shoal scheduler`: runs a scheduler until SIGTERM or SIGINT.
struct SchedulerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scheduler",
    abstract: "Run a scheduler that workers and clients connect to.",
    discussion: """
      When it is ready it prints exactly one line on stdout, `address: tcp://HOST:PORT`; \
      logs go to stderr. Peers must present its token: the one in --token-file F (a new \
      one is written there, mode 0600, when F does not exist). Without --token-file it \
      uses the default token file, `token` in the state folder ($SHOAL_STATE_DIR, else \
      $XDG_STATE_HOME/shoal, else ~/.local/state/shoal), \
      which connecting commands read when given no --token-file and no $SHOAL_TOKEN. \
      SIGTERM or SIGINT shuts it down gracefully. With --dashboard HOST:PORT it also \
      serves the dashboard page and /metrics there, and prints a second line, \
      `dashboard: http://HOST:PORT/` (`:0` picks a free port; an address other than \
      loopback asks every request for the token: docs/dashboard.md).

      With --tls-ca/--tls-cert/--tls-key it speaks only mutual TLS 1.3: every peer must \
      present a certificate signed by that CA (with a role marker, a worker certificate \
      may only register workers and a client certificate only submit). On a --host other \
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

  @OptionGroup var options: ConfigOptions

  @Option(
    help: ArgumentHelp(
      "Serve the dashboard and /metrics on this address (`127.0.0.1:8787`, `:0` any port).",
      valueName: "host:port"))
  var dashboard: String?

  func validate() throws {
    if let dashboard, DashboardSetting.parse(dashboard) == nil {
      throw ValidationError(
        "--dashboard expects HOST:PORT with a port in 0...65535 (e.g. 127.0.0.1:8787, or :0), found `\(dashboard)`"
      )
    }
    guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    try SecondsOption.check(heartbeatTimeout, "--heartbeat-timeout")
    guard (0...1000).contains(retryLimit) else {
      throw ValidationError("--retry-limit must be from 0 to 1000, found \(retryLimit)")
    }
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
    try await withErrorReporting { try await serve() }
  }

  /// Listens, then writes the token file (a new one only once listening worked) and
  /// prints the address line; serves until SIGTERM or SIGINT.
  private func serve() async throws {
    LoggingSystem.bootstrap { TerminalLogHandler(label: $0, fallback: .info) }
    let logger = Logger(label: "shoal.scheduler")
    let environment = ProcessInfo.processInfo.environment
    let path = tokenFile ?? TokenFile.defaultPath(environment: environment)
    // An existing token file is read now; a new token is written only once the
    // scheduler listens, so a failed start leaves no file behind.
    let existing = FileManager.default.fileExists(atPath: path)
    let token = existing ? try TokenFile.read(path) : TokenFile.generate()
    var configuration = SchedulerConfiguration(
      host: host, port: port, token: token,
      heartbeatTimeout: .milliseconds(Int64(heartbeatTimeout * 1000)), retryLimit: retryLimit)
    configuration.tls = try tls.settings() ?? .off
    if tlsOff {
      logger.warning(
        "plain TCP on \(host) (--tls-off): the token and every task cross the network in clear")
    }
    let scheduler = Scheduler(configuration: configuration, logger: logger)
    let dashboardURL = DashboardURL()
    var members: [any Service] = [scheduler]
    if let setting = dashboard.flatMap(DashboardSetting.parse) {
      members.append(
        SchedulerDashboard(
          server: DashboardServer(source: SchedulerSource(scheduler: scheduler), logger: logger),
          setting: setting, url: dashboardURL))
    }
    let services = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: members, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    let wantsDashboard = dashboard != nil
    do {
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        group.addTask {
          let address = try await scheduler.listeningAddress()
          if !existing { try TokenFile.write(token, to: path) }
          logger.info("token file", metadata: ["path": "\(path)"])
          // Written straight to fd 1: one line, flushed, whatever stdout's buffering is.
          FileHandle.standardOutput.write(Data("address: \(address)\n".utf8))
          if wantsDashboard {
            let url = try await dashboardURL.value()
            FileHandle.standardOutput.write(Data("dashboard: \(url)\n".utf8))
          }
        }
        try await group.waitForAll()
      }
    } catch let error as SchedulerError where error.code == .cannotListen {
      throw ShoalError(
        .invalidState, error.message,
        hint: error.message.hasSuffix("address already in use")
          ? "another process listens there: stop it, or pick another port (--port 0 picks a free one)"
          : "check --host (an address of this machine, or 0.0.0.0) and --port")
    }
  }
}

/// The dashboard of a scheduler run by hand, as a service of its group (a graceful
/// shutdown cancels it).
struct SchedulerDashboard: Service {
  let server: DashboardServer
  let setting: DashboardSetting
  let url: DashboardURL

  func run() async throws {
    try await cancelWhenGracefulShutdown {
      try await server.run(setting: setting) { url.resolve($0) }
    }
  }
}

/// The dashboard's URL once it listens.
final class DashboardURL: Sendable {
  private let stream = AsyncStream.makeStream(of: Result<String, any Error>.self)

  func resolve(_ result: Result<String, any Error>) {
    stream.continuation.yield(result)
    stream.continuation.finish()
  }

  func value() async throws -> String {
    for await result in stream.stream { return try result.get() }
    throw CancellationError()
  }
}
