import Foundation
import Logging
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Synchronization

/// A container cluster for one test: an in-process scheduler, `ContainerCluster`
/// loaded from the build folder through the plugin loader (as the core loads it),
/// and a client. Everything is stopped, and every container with the cluster's
/// name label removed, when the body returns or throws.
struct ContainerHarness {
  let scheduler: Scheduler
  let backend: any ClusterBackend
  let context: ClusterContext
  let executor: Executor
  let messages: MessageLog

  /// Runs `body` with a started cluster of `kwargs`.
  static func withCluster(
    _ kwargs: Kwargs, name: String = "ct-\(UUID().uuidString.prefix(6).lowercased())",
    body: (ContainerHarness) async throws -> Void
  ) async throws {
    Podman.configureProcess()
    _ = try Podman.image.get()
    defer { Podman.removeAll(label: "shoal.cluster-name", value: name) }
    let token = UUID().uuidString
    let loader = PluginLoader(searchPath: .standard(environment: [:]))
    let backend = try loader.backend("ContainerBackend.ContainerCluster").make(
      kwargs.rooted(at: "clusters.\(name).cluster_kwargs"))
    // Where the backend asks the scheduler to listen, as the core does.
    let binding = (backend as? any SchedulerBindingProvider)?.schedulerBinding
    let scheduler = Scheduler(
      configuration: SchedulerConfiguration(host: binding?.host ?? "127.0.0.1", token: token),
      logger: Logger(label: "test.scheduler"))
    let state = try TemporaryDirectory.make("shoal-ct-state")
    let messages = MessageLog()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      let address = try await scheduler.listeningAddress()
      let context = ClusterContext(
        clusterName: name, clusterID: UUID().uuidString.lowercased(), schedulerAddress: address,
        token: token, workerExecutable: BuildProducts.shoal, stateDirectory: state,
        log: EventLog { level, message in messages.append("\(level): \(message)") })
      group.addTask { try await backend.run(context: context) }
      let executor = try await Executor.connect(address: address, token: token)
      let harness = ContainerHarness(
        scheduler: scheduler, backend: backend, context: context, executor: executor,
        messages: messages)
      do {
        try await body(harness)
      } catch {
        await executor.close()
        group.cancelAll()
        throw error
      }
      await executor.close()
      group.cancelAll()
      try await group.waitForAll()
    }
  }

  /// Waits (bounded) until the scheduler knows exactly `count` workers.
  func waitForWorkers(_ count: Int, within seconds: Double = 90) async throws -> [String] {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
      let names = try await scheduler.load().workers.map(\.name)
      if names.count == count { return names.sorted() }
      try await Task.sleep(for: .milliseconds(100))
    }
    let names = try await scheduler.load().workers.map(\.name)
    throw HarnessError(
      "expected \(count) workers, the scheduler has \(names); backend: \(await backend.workers()); log:\n"
        + messages.text)
  }

  /// The names of this cluster's containers, as podman lists them.
  func containers() throws -> [String] {
    try Podman.containers(label: "shoal.cluster", value: context.clusterID)
  }
}

struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// The backend's log messages, for failure reports.
final class MessageLog: Sendable {
  private let lines = Mutex<[String]>([])
  func append(_ line: String) { lines.withLock { $0.append(line) } }
  var text: String { lines.withLock { $0.joined(separator: "\n") } }
}
