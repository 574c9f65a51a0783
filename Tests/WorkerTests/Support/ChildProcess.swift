import Foundation
import ShoalTestSupport
import Testing

/// A process a test started: output goes to files (read them any time), and `stop()`
/// (also run by `deinit`) kills it by pid, so that a failing test leaves nothing behind.
final class ChildProcess: @unchecked Sendable {
  let process: Process
  let label: String
  let stdoutPath: String
  let stderrPath: String

  /// Starts `executable ARGUMENTS` with `environment` added to a clean copy of ours.
  init(
    _ label: String, _ executable: String, _ arguments: [String],
    environment: [String: String] = [:],
    stdin: String? = nil
  ) throws {
    self.label = label
    let folder = try TemporaryDirectory.make("shoal-worker-test")
    stdoutPath = folder + "/stdout"
    stderrPath = folder + "/stderr"
    _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
    process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for key in ["SHOAL_TOKEN", "SHOAL_PLUGIN_PATH", "SHOAL_CONFIG", "SHOAL_PARENT_PID"] {
      env.removeValue(forKey: key)
    }
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
  }

  /// Starts `shoal ARGUMENTS` from the build folder.
  static func shoal(
    _ label: String, _ arguments: [String], environment: [String: String] = [:],
    stdin: String? = nil
  ) throws -> ChildProcess {
    try ChildProcess(label, BuildProducts.shoal, arguments, environment: environment, stdin: stdin)
  }

  var pid: Int32 { process.processIdentifier }
  var isRunning: Bool { process.isRunning }
  var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
  var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

  func signal(_ signal: Int32) { if process.isRunning { kill(pid, signal) } }

  /// Waits (bounded) for the process to exit; its status (128 + signal when killed),
  /// or nil if it is still running after `timeout`.
  func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(20))
    }
    if process.isRunning { return nil }
    return process.terminationReason == .uncaughtSignal
      ? 128 + process.terminationStatus : process.terminationStatus
  }

  /// Waits (bounded) until stdout holds a line starting with `prefix`; returns the rest.
  func line(startingWith prefix: String, timeout: Duration = .seconds(60)) async throws -> String {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
        return String(line.dropFirst(prefix.count))
      }
      if !process.isRunning { break }
      try await Task.sleep(for: .milliseconds(20))
    }
    throw ProcessFailure(
      message: "\(label) printed no `\(prefix)` line; stdout:\n\(stdout)\nstderr:\n\(stderr)")
  }

  /// Kills the process (SIGKILL) if it still runs, and reaps it.
  func stop() {
    if process.isRunning {
      kill(pid, SIGKILL)
      process.waitUntilExit()
    }
  }

  deinit { stop() }
}

struct ProcessFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
