import Foundation
import ShoalCore

/// Runs a host tool (`ldd`, `tar`, `podman`) to completion and captures its output.
/// A non-zero exit is a result, not a thrown error.
enum ExternalCommand {
  /// The outcome of one command.
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
    var succeeded: Bool { status == 0 }
    /// stderr (or stdout when stderr is empty), trimmed, for messages.
    var message: String {
      (stderr.isEmpty ? stdout : stderr).trimmingCharacters(in: .whitespacesAndNewlines)
    }
  }

  /// Runs `executable arguments`; throws only when it cannot be started.
  static func run(_ executable: String, _ arguments: [String]) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("shoal-image-cmd-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("out")
    let err = folder.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let outHandle = try FileHandle(forWritingTo: out)
    let errHandle = try FileHandle(forWritingTo: err)
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw ShoalError(.backendFailed, "cannot run \(executable): \(error.localizedDescription)")
    }
    process.waitUntilExit()
    try? outHandle.close()
    try? errHandle.close()
    let status =
      process.terminationReason == .uncaughtSignal
      ? 128 + process.terminationStatus : process.terminationStatus
    return Output(
      status: status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
  }

  /// Runs the command and throws `ShoalError(.backendFailed)` with its stderr when it fails.
  @discardableResult
  static func check(_ executable: String, _ arguments: [String], what: String) throws -> Output {
    let output = try run(executable, arguments)
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
