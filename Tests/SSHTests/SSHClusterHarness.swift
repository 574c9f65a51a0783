import Foundation
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport
import Synchronization

/// Runs the real `SSHBackend.SSHCluster` (loaded from the build folder like `shoal`
/// loads it) against `SSHHosts`, collecting its log.
struct SSHClusterHarness: Sendable {
  /// The messages the backend logged, `level: message`.
  final class Log: Sendable {
    private let lines = Mutex<[String]>([])
    var eventLog: EventLog {
      EventLog { level, message in self.lines.withLock { $0.append("\(level): \(message)") } }
    }
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
    var text: String { all.joined(separator: "\n") }
  }

  let loader = PluginLoader(searchPath: .standard(environment: [:]))

  /// The backend for `cluster_kwargs` written as a YAML flow mapping.
  func backend(_ kwargs: String) throws -> any ClusterBackend {
    let yaml = """
      version: 1
      clusters:
        lab:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs: \(kwargs)
      """
    let config = try ShoalConfig.parse(yaml, file: "clusters.yaml", environment: [:])
    let spec = try config.cluster(named: "lab")
    return try loader.backend("SSHBackend.SSHCluster").make(spec.clusterKwargs)
  }

  /// A context for a cluster whose scheduler is at `address` (workers dial what the
  /// backend derives from it).
  func context(address: String, token: String = "t0ken", log: Log) throws -> ClusterContext {
    ClusterContext(
      clusterName: "lab", clusterID: "t\(UUID().uuidString.prefix(8))", schedulerAddress: address,
      token: token, workerExecutable: BuildProducts.shoal,
      stateDirectory: try TemporaryDirectory.make("shoal-ssh-state"), log: log.eventLog)
  }

  /// Runs `backend` while `body` runs, then cancels it (closing the cluster) and
  /// waits until it returned. `body` starts once the backend served a first request
  /// (its hosts are connected and checked). Rethrows `run`'s error.
  func running(
    _ backend: any ClusterBackend, context: ClusterContext,
    _ body: @Sendable (any ClusterBackend) async throws -> Void
  ) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await backend.run(context: context) }
      do {
        try await backend.scale(to: 0)
        try await body(backend)
      } catch {
        group.cancelAll()
        try await group.waitForAll()
        throw error
      }
      group.cancelAll()
      try await group.waitForAll()
    }
  }
}

/// Local processes whose command line contains `text` (an ssh control path, ...).
func localProcesses(containing text: String) -> [Int32] {
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return entries.compactMap(Int32.init).filter { pid in
    guard pid != getpid(),
      let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty
    else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    if let close = stat.lastIndex(of: ")"), stat[close...].hasPrefix(") Z") { return false }
    return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
  }
}
