/// Answers the control commands that the scheduler cannot answer itself.
///
/// A `control` peer (`shoal ps`, `shoal scale`, `shoal down` against a detached cluster)
/// sends a command name and string arguments; the scheduler answers `status` itself (its
/// load as JSON under the `load` field) and hands everything else to the handler that the
/// embedding cluster process set with `Scheduler.setControlHandler(_:)`. A thrown error's
/// description is sent back as the command's error.
public protocol ControlHandler: Sendable {
  /// Runs `command` and returns the answer's fields.
  func handle(command: String, arguments: [String: String]) async throws -> [String: String]
}
