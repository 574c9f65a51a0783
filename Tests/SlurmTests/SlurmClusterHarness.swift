import Foundation
import Logging
import Shoal
import ShoalCore
import ShoalTestSupport
import Synchronization

#if canImport(ShoalPluginHost)
  // Where PluginLoader lives once the loader leaves ShoalCore (the C plugin ABI).
  import ShoalPluginHost
#endif

/// Whole Slurm clusters for the tests: the in-process scheduler (ClusterRuntime), the
/// real plugin loaded from the build folder, workers as batch jobs of a `SlurmSandbox`.
enum SlurmClusterHarness {
  static let loader = PluginLoader(searchPath: .standard(environment: [:]))

  /// Every message the cluster logged.
  final class Log: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    func contains(_ text: String) -> Bool { lines.withLock { $0.contains { $0.contains(text) } } }
  }

  struct Capture: LogHandler {
    let log: Log
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }
    func log(
      level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
      file: String, function: String, line: UInt
    ) {
      self.log.append("\(level): \(message)")
    }
  }

  /// The YAML of cluster `hpc` with these `cluster_kwargs` lines (and `adapt_kwargs`).
  static func yaml(_ kwargs: [String], adapt: String? = nil) -> String {
    """
    version: 1
    clusters:
      hpc:
        cluster_class: SlurmBackend.SlurmCluster
        cluster_kwargs:
    \(kwargs.map { "      " + $0 }.joined(separator: "\n"))
    \(adapt.map { "    adapt_kwargs: \($0)" } ?? "")
    """
  }

  /// A runtime of cluster `hpc`; its log goes to `log`.
  static func runtime(_ kwargs: [String], adapt: String? = nil, log: Log) throws -> ClusterRuntime {
    let path = try TemporaryDirectory.write(yaml(kwargs, adapt: adapt))
    let config = try ShoalConfig.load(file: path, environment: [:])
    var logger = Logger(label: "test.slurm") { _ in Capture(log: log) }
    logger.logLevel = .info
    return try ClusterRuntime(
      spec: try config.cluster(named: "hpc"), loader: loader,
      options: ClusterOptions(
        workerExecutable: BuildProducts.shoal,
        stateFolder: StateFolder(root: try TemporaryDirectory.make("s14-state"))),
      logger: logger)
  }

  /// Runs `runtime` while `body` runs, then closes it and waits for `run()`.
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
        result = .success(try await body(try await runtime.ready()))
      } catch {
        result = .failure(error)
      }
      runtime.close()
      while let _ = try? await group.next() {}
      return try result.get()
    }
  }

  /// Workers connected to the scheduler.
  static func connected(_ runtime: ClusterRuntime) async -> Int {
    await runtime.status().workers.filter { $0.slots > 0 }.count
  }
}
