import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// Where `shoal run` and `shoal map` send their work, and with which token:
///
/// - `--address` (or `$SHOAL_ADDRESS`): a running scheduler; the token from
///   `--token-file F`, then `$SHOAL_TOKEN`, then the default token file that
///   `shoal scheduler` writes (`TokenFile.defaultPath`);
/// - `--cluster NAME`: a cluster from clusters.yaml, joined when a detached cluster of
///   that name is up (`shoal up NAME --detach`), otherwise started for this one
///   command and closed after it (an `address:` cluster is connected to);
/// - neither: the config's `default` cluster the same way (with no clusters.yaml, a
///   temporary local cluster).
struct TargetOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "A cluster from clusters.yaml (default: its `default`). Joins the detached cluster of that name when one is up; otherwise starts it for this command and closes it after.",
      valueName: "name"))
  var cluster: String?

  @Option(
    help: ArgumentHelp(
      "The address of a running scheduler (tcp://HOST:PORT). Default: $SHOAL_ADDRESS.",
      valueName: "address"))
  var address: String?

  @Option(
    name: .customLong("token-file"),
    help: ArgumentHelp(
      "The file holding the scheduler's token. Default: $SHOAL_TOKEN, then the file `shoal scheduler` writes when given no --token-file (~/.local/state/shoal/token).",
      valueName: "file"))
  var tokenFile: String?

  @Option(
    name: .customLong("connect-timeout"),
    help: ArgumentHelp("Seconds to wait for the scheduler to answer.", valueName: "seconds"))
  var connectTimeout: Double = 10

  @OptionGroup var tls: TLSOptions

  @OptionGroup var config: ConfigOptions

  /// `--connect-timeout`, in seconds.
  var connectTimeoutSeconds: Double { connectTimeout }

  func validate() throws {
    try SecondsOption.check(connectTimeout, "--connect-timeout")
    if let cluster, let address {
      throw ValidationError("give either --cluster \(cluster) or --address \(address), not both")
    }
  }

  /// Runs `body` with an executor connected to the target, closes the executor, and
  /// closes a temporary cluster after it (also when `body` throws or is interrupted).
  func withExecutor<T>(_ body: (Executor) async throws -> T) async throws -> T {
    try await withTarget { target in
      let executor = try await Executor.connect(
        address: target.address, token: target.token, tls: target.tls,
        timeout: .milliseconds(Int64(connectTimeout * 1000)))
      do {
        let result = try await body(executor)
        await executor.close()
        return result
      } catch {
        await executor.close()
        throw error
      }
    }
  }

  /// Runs `body` against the target (see the type's documentation).
  func withTarget<T>(_ body: (ClusterTarget) async throws -> T) async throws -> T {
    let environment = config.environment
    let tokenFile = self.tokenFile
    let address = cluster == nil ? (self.address ?? environment["SHOAL_ADDRESS"]) : nil
    let shoalConfig = address == nil ? try config.loadConfigIfPresent() : nil
    let logger = ClusterLogging.make(label: "shoal.cluster", fallback: .warning)
    return try await ClusterTarget.with(
      cluster: cluster, address: address,
      token: { try TokenFile.resolve(tokenFile: tokenFile, environment: environment) },
      tokenGivenExplicitly: tokenFile != nil, tls: try tls.settings(), config: shoalConfig,
      loader: config.loader(config: shoalConfig),
      options: Shoal.ClusterOptions.forCommand(configFile: shoalConfig?.file, logger: logger),
      logger: logger, body)
  }

  /// Connects to the scheduler.
  func connect() async throws -> Executor {
    let environment = ProcessInfo.processInfo.environment
    guard let address = address ?? environment["SHOAL_ADDRESS"] else {
      throw ShoalError(
        .missingKey, "no scheduler to send the work to",
        hint: "give --address tcp://HOST:PORT (the line `shoal scheduler` prints)")
    }
    let token = try TokenFile.resolve(tokenFile: tokenFile, environment: environment)
    let settings = try ClusterTarget.existingTLS(
      address: address, explicit: try tls.settings(), security: .auto, what: "--address \(address)")
    return try await Executor.connect(
      address: address, token: token, tls: settings,
      timeout: .milliseconds(Int64(connectTimeout * 1000)))
  }
}

/// The options every shell task takes: `--timeout`, `--env K=V`, `--cwd D`.
struct ShellTaskOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Kill a task after this many seconds.", valueName: "seconds"))
  var timeout: Double?

  @Option(
    name: .customLong("env"),
    help: ArgumentHelp("Add a variable to the task's environment (repeatable).", valueName: "K=V"))
  var environment: [String] = []

  @Option(help: ArgumentHelp("The folder to run the task in, on the worker.", valueName: "dir"))
  var cwd: String?

  @Option(
    help: ArgumentHelp(
      "Run a task that fails or times out up to this many more times (Dask's retries=).",
      valueName: "n"))
  var retries = 0

  @Option(
    help: ArgumentHelp(
      "Run each task only on a worker with these resources free, held while it runs (e.g. `gpu=1,memory=4G`); a request no worker group of the cluster can meet fails at once.",
      valueName: "name=amount,..."))
  var resources: String?

  func validate() throws {
    if let timeout { try SecondsOption.check(timeout, "--timeout") }
    if let resources {
      do {
        _ = try ResourceSet(parsing: resources)
      } catch {
        throw ValidationError("--resources: \(error)")
      }
    }
    if retries < 0 { throw ValidationError("--retries must be 0 or more, found \(retries)") }
    for pair in environment where !pair.contains("=") || pair.hasPrefix("=") {
      throw ValidationError("--env \(pair): expected NAME=VALUE")
    }
  }

  /// The spec of `command ARGUMENTS`.
  func spec(_ command: String, _ arguments: [String]) -> TaskSpec {
    var variables: [String: String] = [:]
    for pair in environment {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      variables[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
    }
    var spec = TaskSpec.shell(
      command, arguments, environment: variables, workingDirectory: cwd,
      timeout: timeout.map { .milliseconds(Int64($0 * 1000)) }, retries: retries)
    // Checked in `validate()`.
    spec.resources = resources.flatMap { try? ResourceSet(parsing: $0) } ?? ResourceSet()
    return spec
  }
}
