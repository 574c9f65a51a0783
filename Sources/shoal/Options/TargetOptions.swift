import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// Where `shoal run` and `shoal map` send their work, and with which token:
/// `--address` (or `$SHOAL_ADDRESS`) and `--token-file F`, then `$SHOAL_TOKEN`, then the
/// default token file that `shoal scheduler` writes (`TokenFile.defaultPath`).
struct TargetOptions: ParsableArguments {
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

  func validate() throws {
    guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
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
    return try await Executor.connect(
      address: address, token: token, timeout: .milliseconds(Int64(connectTimeout * 1000)))
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

  func validate() throws {
    if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
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
    return .shell(
      command, arguments, environment: variables, workingDirectory: cwd,
      timeout: timeout.map { .milliseconds(Int64($0 * 1000)) })
  }
}
