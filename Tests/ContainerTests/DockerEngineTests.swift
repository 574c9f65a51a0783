import Foundation
import Logging
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalScheduler
import ShoalTestSupport
import Testing

/// `runtime: docker` where docker is not installed, or has no engine to talk to (this
/// machine has neither): a clear error. Needs no podman, so it runs everywhere.
@Suite struct DockerEngineTests {
  @Test func dockerWithoutAnEngineOrNotInstalledIsAClearError() async throws {
    let loader = PluginLoader(searchPath: .standard(environment: [:]))
    let kwargs: Kwargs = ["runtime": "docker", "image": "localhost/shoal-worker:latest"]
    let message: String
    do {
      let backend = try loader.backend("ContainerBackend.ContainerCluster").make(
        kwargs.rooted(at: "clusters.d.cluster_kwargs"))
      // docker is installed: the engine is what is missing, and scaling says so.
      message = try await scaleOnce(backend)
    } catch let error as ShoalError {
      message = error.description
    }
    #expect(
      message.contains("runtime docker is not installed")
        || message.contains("Cannot connect to the Docker daemon"), "\(message)")
    // With podman installed, nothing about podman's configuration; without it, the
    // hint rightly says how to install either runtime.
    if Podman.isAvailable { #expect(!message.contains("CONTAINERS_CONF"), "\(message)") }
  }

  /// Runs `backend` against an in-process scheduler and asks for one worker; returns
  /// the error's description (or "" when it started one, which this test does not expect).
  private func scaleOnce(_ backend: any ClusterBackend) async throws -> String {
    let token = UUID().uuidString
    let scheduler = Scheduler(
      configuration: SchedulerConfiguration(token: token),
      logger: Logger(label: "s12-docker", factory: { _ in SwiftLogNoOpLogHandler() }))
    let state = try TemporaryDirectory.make("s12-docker")
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      let address = try await scheduler.listeningAddress()
      let context = ClusterContext(
        clusterName: "d", clusterID: UUID().uuidString.lowercased(), schedulerAddress: address,
        token: token, workerExecutable: BuildProducts.shoal, stateDirectory: state,
        log: EventLog { _, _ in })
      group.addTask { try await backend.run(context: context) }
      var message = ""
      do {
        try await backend.scale(to: 1)
      } catch {
        message = "\(error)"
      }
      group.cancelAll()
      return message
    }
  }
}
