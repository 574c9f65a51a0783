import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import Synchronization
import Testing

/// `tls: auto` on a local cluster: the per-cluster CA and certificates, secrets kept
/// out of tasks' reach, and everything removed when the cluster goes down.
@Suite("secure local clusters", .serialized)
struct SecureClusterTests {
  func runtime(_ yaml: String, name: String) throws -> ClusterRuntime {
    let config = try ClusterTesting.config(yaml)
    return try ClusterRuntime(
      spec: try config.cluster(named: name), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder()),
      logger: ClusterTesting.logger)
  }

  static func mode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil
  }

  @Test func autoMakesACertificatePerRoleAndTasksCannotSeeTheSecrets() async throws {
    let runtime = try runtime(
      """
      version: 1
      clusters:
        s13-auto:
          cluster_kwargs: {n_workers: 1}
      """, name: "s13-auto")
    let folder = runtime.stateDirectory
    let leftovers = Mutex<[Int32]>([])
    defer { ClusterTesting.killAll(leftovers.withLock { $0 }) }
    try await ClusterTesting.running(runtime) { endpoint in
      leftovers.withLock { $0 = [] }
      #expect(endpoint.tls.isEnabled)
      #expect(endpoint.protection.contains("mutual TLS 1.3"))
      for file in [
        "ca.pem", "scheduler.pem", "scheduler-key.pem", "worker.pem", "worker-key.pem",
        "client.pem", "client-key.pem",
      ] {
        #expect(Self.mode(folder + "/tls/" + file) == 0o600, "\(file)")
      }
      #expect(Self.mode(folder + "/worker-secret") == 0o600)
      // The CA's key is never written.
      let written = try FileManager.default.contentsOfDirectory(atPath: folder + "/tls")
      #expect(!written.contains { $0.hasPrefix("ca-key") })

      // A plain client is refused; the cluster's client certificate works.
      await #expect(throws: ShoalError.self) {
        try await Executor.connect(
          address: endpoint.address, token: endpoint.token, timeout: .seconds(5))
      }
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let result = try await executor.submit(
        .shell("sh", ["-c", "tr '\\0' '\\n' < /proc/$PPID/environ; env; cat /proc/$PPID/cmdline"])
      ).result
      await executor.close()
      let output = String(decoding: result.output, as: UTF8.self)
      #expect(result.status == .succeeded)
      #expect(output.contains("PATH="))  // the task did read the worker's environment
      #expect(!output.contains(endpoint.token))
      #expect(!output.contains("SHOAL_TOKEN"))
      #expect(!output.contains("PRIVATE KEY"))
      #expect(!output.contains("shoal-credentials"))
    }
    // Down: the certificates and the workers' secret are gone.
    #expect(!FileManager.default.fileExists(atPath: folder + "/tls"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/worker-secret"))
  }

  @Test func tlsOffOnLoopbackRunsPlainTCP() async throws {
    let runtime = try runtime(
      """
      version: 1
      clusters:
        s13-off:
          cluster_kwargs: {n_workers: 1}
          security: {tls: off}
      """, name: "s13-off")
    try await ClusterTesting.running(runtime) { endpoint in
      #expect(!endpoint.tls.isEnabled)
      let executor = try await Executor.connect(address: endpoint.address, token: endpoint.token)
      let result = try await executor.submit(.shell("echo", ["plain"])).result
      await executor.close()
      #expect(result.status == .succeeded)
    }
  }

  @Test func ownFilesOnAStartedClusterAreALocatedError() throws {
    let error = #expect(throws: ShoalError.self) {
      try runtime(
        """
        version: 1
        clusters:
          s13-files:
            security:
              tls: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem}
        """, name: "s13-files")
    }
    #expect(error?.location?.line == 5)
    #expect(error?.hint?.contains("tls: auto") == true)
  }
}
