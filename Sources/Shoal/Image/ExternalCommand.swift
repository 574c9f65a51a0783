import Foundation
import ShoalCore

/// Runs a host tool (`ldd`, `tar`, `podman`) to completion and captures its output,
/// through the SDK's `ShortCommand`. A non-zero exit is a result, not a thrown error.
enum ExternalCommand {
  /// The outcome of one command.
  typealias Output = ShortCommand.Outcome

  /// How long one step of an image build may take.
  static let timeout: Duration = .seconds(30 * 60)

  /// Runs `executable arguments`; throws when it cannot be started or runs past `timeout`.
  static func run(_ executable: String, _ arguments: [String]) async throws -> Output {
    let command = ShortCommand(executable, arguments)
    let output = try await command.run(timeout: timeout)
    if output.timedOut {
      throw ShoalError(
        .timeout, "`\(command.commandLine)` did not finish within \(timeout) and was killed")
    }
    return output
  }

  /// Runs the command and throws `ShoalError(.backendFailed)` with its stderr when it fails.
  @discardableResult
  static func check(_ executable: String, _ arguments: [String], what: String) async throws
    -> Output
  {
    let output = try await run(executable, arguments)
    guard output.succeeded else {
      throw ShoalError(
        .backendFailed,
        "\(what) failed (`\(([executable] + arguments).joined(separator: " "))` exited with \(output.status)): \(output.message)"
      )
    }
    return output
  }

  /// `name` on `PATH`, or nil; a name with a `/` is returned when it is executable.
  static func which(_ name: String, environment: [String: String]) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for folder in path.split(separator: ":") {
      let candidate = "\(folder)/\(name)"
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory),
        !isDirectory.boolValue, FileManager.default.isExecutableFile(atPath: candidate)
      {
        return candidate
      }
    }
    return nil
  }
}
