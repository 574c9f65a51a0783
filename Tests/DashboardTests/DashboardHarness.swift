import Foundation
import Shoal
import ShoalTestSupport

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A folder with a clusters.yaml and a state folder of the test's own, where the test
/// runs `shoal` as a user would; it kills what it started (by pid) when done.
final class DashboardHarness: @unchecked Sendable {
  let folder: String
  let state: String
  let environment: [String: String]
  private var started: [Process] = []

  init(yaml: String) throws {
    folder = try TemporaryDirectory.make("s16-cli")
    state = try TemporaryDirectory.make("s16-xdg")
    environment = ["XDG_STATE_HOME": state]
    try yaml.write(toFile: folder + "/clusters.yaml", atomically: true, encoding: .utf8)
  }

  /// Runs `shoal ARGUMENTS` in the folder and waits for it.
  func shoal(_ arguments: String..., stdin: String? = nil) throws -> CommandOutput {
    try CommandRunner.shoal(
      arguments, environment: environment, currentDirectory: folder, stdin: stdin, timeout: 120)
  }

  /// Starts `executable ARGUMENTS` in the background (stopped by `stopAll`).
  @discardableResult
  func start(_ executable: String, _ arguments: [String], output: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    _ = FileManager.default.createFile(atPath: output, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    started.append(process)
    return process
  }

  /// The record of a detached cluster.
  func record(_ name: String) -> ClusterRecord? {
    StateFolder(root: state + "/shoal").record(name)
  }

  /// Stops what the test started: background commands (SIGTERM, then SIGKILL), and the
  /// cluster processes named (their workers follow them).
  func stopAll(clusters: [String] = []) {
    for process in started where process.isRunning {
      kill(process.processIdentifier, SIGTERM)
    }
    for process in started {
      let deadline = Date().addingTimeInterval(10)
      while process.isRunning && Date() < deadline { usleep(20_000) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    for name in clusters {
      _ = try? shoal("down", name)
      if let pid = record(name)?.pid, kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }
  }

  /// GETs `url`: the status and body.
  static func get(_ url: String, headers: [String: String] = [:]) async throws -> (
    Int, String, [String: String]
  ) {
    var request = URLRequest(url: URL(string: url)!)
    for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
    request.timeoutInterval = 10
    let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.data(for: request)
    let http = response as! HTTPURLResponse
    var fields: [String: String] = [:]
    for (key, value) in http.allHeaderFields { fields["\(key)".lowercased()] = "\(value)" }
    return (http.statusCode, String(decoding: data, as: UTF8.self), fields)
  }

  /// A free TCP port on 127.0.0.1 (bound to port 0, then released).
  static func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// The path of `tool` on $PATH, if any.
  static func which(_ tool: String) -> String? {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(
      separator: ":")
    {
      let path = "\(folder)/\(tool)"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
  }
}

/// Keeps redirects visible to the test (the token's cookie comes with a 303).
final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
  func urlSession(
    _ session: URLSession, task: URLSessionTask,
    willPerformHTTPRedirection response: HTTPURLResponse,
    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }
}

/// A test that needs `tool` and it is missing: fails under CI, else skips with a note.
struct MissingTool: Error, CustomStringConvertible {
  var tool: String
  var description: String {
    "\(tool) is not installed: apt-get install \(tool) (Scripts/test does)"
  }
}
