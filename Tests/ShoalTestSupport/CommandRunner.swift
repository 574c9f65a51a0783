import Foundation

/// The outcome of a finished command.
public struct CommandOutput: Sendable {
  /// Exit status, or 128 + signal.
  public var status: Int32
  /// Everything written to stdout.
  public var stdout: String
  /// Everything written to stderr.
  public var stderr: String
}

/// Runs commands the way a user would, for CLI tests.
public enum CommandRunner {
  /// Runs `shoal ARGUMENTS` from the build folder and waits for it (killed after `timeout`).
  public static func shoal(
    _ arguments: [String], environment: [String: String] = [:], currentDirectory: String? = nil,
    stdin: String? = nil, timeout: Double = 60
  ) throws -> CommandOutput {
    try run(
      BuildProducts.shoal, arguments, environment: environment,
      currentDirectory: currentDirectory, stdin: stdin, timeout: timeout)
  }

  /// Runs `executable ARGUMENTS` and waits for it (killed after `timeout` seconds).
  public static func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    currentDirectory: String? = nil, stdin: String? = nil, timeout: Double = 60
  ) throws -> CommandOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "SHOAL_CONFIG")
    env.removeValue(forKey: "SHOAL_PLUGIN_PATH")
    env.removeValue(forKey: "SHOAL_TOKEN")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let currentDirectory {
      process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory)
    }
    let out = try TemporaryDirectory.file(named: "stdout")
    let err = try TemporaryDirectory.file(named: "stderr")
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    process.waitUntilExit()
    let status =
      process.terminationReason == .uncaughtSignal
      ? 128 + process.terminationStatus : process.terminationStatus
    return CommandOutput(
      status: status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
  }
}

/// Fresh folders under the system's temp folder.
public enum TemporaryDirectory {
  /// A new empty folder.
  public static func make(_ prefix: String = "shoal-test") throws -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// A new empty file in a new folder.
  public static func file(named name: String) throws -> URL {
    let url = URL(fileURLWithPath: try make()).appendingPathComponent(name)
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    return url
  }

  /// Writes `contents` to `name` in a new folder and returns the file's path.
  public static func write(_ contents: String, named name: String = "clusters.yaml") throws
    -> String
  {
    let path = try make() + "/" + name
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }
}
