import Foundation
import Logging
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport

/// Helpers for tests that start real clusters of real `shoal worker` processes.
enum ClusterTesting {
  /// The loader over the build folder (where the test binary, `shoal` and
  /// `libLocalBackend.so` are), never a linked copy of the plugin.
  static let loader = PluginLoader(searchPath: .standard(environment: [:]))

  static let logger: Logger = {
    var logger = Logger(label: "test.cluster")
    logger.logLevel = .warning
    return logger
  }()

  /// Parses `yaml` as a clusters.yaml.
  static func config(_ yaml: String) throws -> ShoalConfig {
    let path = try TemporaryDirectory.write(yaml)
    return try ShoalConfig.load(file: path, environment: [:])
  }

  /// A fresh state folder.
  static func stateFolder() throws -> StateFolder {
    StateFolder(root: try TemporaryDirectory.make("shoal-state"))
  }

  /// Options for a runtime whose workers are the built `shoal`.
  static func options(_ folder: StateFolder, worker: String = BuildProducts.shoal) -> ClusterOptions
  {
    ClusterOptions(workerExecutable: worker, stateFolder: folder)
  }

  /// Runs `runtime` while `body` runs, then closes it and waits until `run()` returned.
  static func running<T: Sendable>(
    _ runtime: ClusterRuntime, _ body: @Sendable (ClusterEndpoint) async throws -> T
  ) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask {
        try await runtime.run()
        return nil
      }
      let result: Result<T, any Error>
      do {
        let endpoint = try await runtime.ready()
        result = .success(try await body(endpoint))
      } catch {
        result = .failure(error)
      }
      runtime.close()
      while let _ = try? await group.next() {}
      return try result.get()
    }
  }

  /// The pids of the backend's live workers (`pid N` locations).
  static func workerPIDs(_ runtime: ClusterRuntime) async -> [Int32] {
    await runtime.backend.workers().filter { !$0.state.isFinal }.compactMap { status in
      status.location.flatMap { Int32($0.replacingOccurrences(of: "pid ", with: "")) }
    }
  }

  /// Whether `pid` is a live process (not a zombie).
  static func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return !stat.contains(") Z ")
  }

  /// Live `shoal worker` processes for which `matches(commandLine, environment)` holds
  /// (both with NUL separators turned into spaces/newlines). Tests run in parallel with
  /// other suites that start workers too, so each test finds its own by a marker.
  static func workerProcesses(_ matches: (String, String) -> Bool) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
      guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
        isAlive(pid)
      else { return false }
      let arguments = data.split(separator: 0)
      // `shoal worker ...` itself, not a child whose arguments mention a worker (the
      // container tests' `podman run ... shoal worker` run in the same test process).
      guard arguments.count > 1, String(decoding: arguments[0], as: UTF8.self).hasSuffix("shoal"),
        String(decoding: arguments[1], as: UTF8.self) == "worker"
      else { return false }
      let command = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
      let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
      let environment = String(decoding: environ.map { $0 == 0 ? 10 : $0 }, as: UTF8.self)
      return matches(command, environment)
    }
  }

  /// Kills leftover processes by pid (cleanup after a failed test).
  static func killAll(_ pids: [Int32]) {
    for pid in pids where isAlive(pid) { kill(pid, SIGKILL) }
  }
}
