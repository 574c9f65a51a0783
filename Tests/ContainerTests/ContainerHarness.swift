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
///
/// As under `tls: auto`: a per-cluster CA, a TLS scheduler, the workers' certificate
/// inside their secret, a client certificate. With `relay`, workers and the client
/// reach the scheduler through a relay that captures the traffic.
struct ContainerHarness {
  let scheduler: Scheduler
  let backend: any ClusterBackend
  let context: ClusterContext
  let executor: Executor
  let messages: MessageLog
  /// The scheduler's token (workers get it inside `context.token`).
  let token: String
  /// The relay between the peers and the scheduler, when asked for.
  let relay: FreezableProxy?

  /// Runs `body` with a started cluster of `kwargs`.
  static func withCluster(
    _ kwargs: Kwargs, name: String = "ct-\(UUID().uuidString.prefix(6).lowercased())",
    relay useRelay: Bool = false, body: (ContainerHarness) async throws -> Void
  ) async throws {
    Podman.configureProcess()
    _ = try Podman.image.get()
    defer { Podman.removeAll(label: "shoal.cluster-name", value: name) }
    let token = UUID().uuidString
    let authority = try CertificateAuthority(name: name)
    let loader = PluginLoader(searchPath: .standard(environment: [:]))
    let backend = try loader.backend("ContainerBackend.ContainerCluster").make(
      kwargs.rooted(at: "clusters.\(name).cluster_kwargs"))
    // Where the backend asks the scheduler to listen, as the core does.
    let binding = (backend as? any SchedulerBindingProvider)?.schedulerBinding
    let host = binding?.host ?? "127.0.0.1"
    var configuration = SchedulerConfiguration(host: host, token: token)
    configuration.tls = .mutual(try authority.issue(role: .scheduler, name: "scheduler"))
    let scheduler = Scheduler(configuration: configuration, logger: Logger(label: "test.scheduler"))
    let workerSecret = CredentialBundle(
      token: token, identity: try authority.issue(role: .worker, name: "worker"))
    let client = TLSSettings.mutual(try authority.issue(role: .client, name: "client"))
    let state = try TemporaryDirectory.make("shoal-ct-state")
    let messages = MessageLog()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      var address = try await scheduler.listeningAddress()
      var relay: FreezableProxy?
      if useRelay {
        let port = Int(address.split(separator: ":").last!)!
        let proxy = try await FreezableProxy.start(upstreamPort: port, host: host)
        relay = proxy
        address = address.replacingOccurrences(of: ":\(port)", with: ":\(proxy.port)")
      }
      defer { relay?.close() }
      let context = ClusterContext(
        clusterName: name, clusterID: UUID().uuidString.lowercased(), schedulerAddress: address,
        token: workerSecret.encoded, workerExecutable: BuildProducts.shoal, stateDirectory: state,
        log: EventLog { level, message in messages.append("\(level): \(message)") })
      group.addTask { try await backend.run(context: context) }
      let executor = try await Executor.connect(
        address: relay?.address ?? address, token: token, tls: client)
      let harness = ContainerHarness(
        scheduler: scheduler, backend: backend, context: context, executor: executor,
        messages: messages, token: token, relay: relay)
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
