import ShoalCore

/// The outcome of one short runtime command (`podman image exists`, `podman rm`).
/// A non-zero exit is a result, not a thrown error.
typealias CommandResult = ShortCommand.Outcome

/// Runs short commands of the container runtime through the SDK's `ShortCommand`.
enum RuntimeCommand {
  /// Runs `executable arguments` with `environment` added to this process's; throws
  /// `ShoalError(.timeout)` when it is killed after `timeout` or, when `cancellable`,
  /// on cancellation (otherwise it runs to its end even in a cancelled task).
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    timeout: Duration = .seconds(60), cancellable: Bool = true
  ) async throws -> CommandResult {
    let command = ShortCommand(
      executable, arguments, environment: environment, cancellable: cancellable)
    let outcome = try await command.run(timeout: timeout)
    if outcome.timedOut || outcome.cancelled {
      let reason = outcome.cancelled ? "was cancelled" : "did not finish within \(timeout)"
      throw ShoalError(
        .timeout, "`\(command.commandLine)` \(reason); stderr: \(outcome.stderr)")
    }
    return outcome
  }

  /// The whole content of a (small) file.
  static func read(_ path: String) -> String { ShortCommand.fileContents(path) }
}
