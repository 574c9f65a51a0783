import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import ShoalWire
import Testing

/// Issue 17: `Executor.connect(cluster:config:)`, Dask's `Client(LocalCluster())`.
@Suite(.serialized) struct ExecutorClusterTests {
  @Test func aTemporaryClusterFromTheConfigClosesWithTheExecutor() async throws {
    let file = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        s17pair:
          cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
      """)
    let folder = try ClusterTesting.stateFolder()
    let executor = try await Executor.connect(
      cluster: "s17pair", config: URL(fileURLWithPath: file),
      options: ClusterTesting.options(folder))
    let address = executor.address
    let pids = ClusterTesting.workerProcesses { command, _ in command.contains(address) }
    defer { ClusterTesting.killAll(pids) }
    #expect(pids.count == 2)
    let results = try await executor.map((1...4).map { TaskSpec.shell("echo", ["\($0)"]) })
    #expect(
      results.map { String(decoding: $0.output, as: UTF8.self) } == ["1\n", "2\n", "3\n", "4\n"])

    // A failing task with retries runs again; its result says how many attempts.
    let counter = try TemporaryDirectory.make("s17-retry") + "/n"
    let script =
      "n=$(cat \(counter) 2>/dev/null || echo 0); echo $((n+1)) > \(counter); [ $n -ge 5 ]"
    let failed = try await executor.submit(.shell("sh", ["-c", script], retries: 2)).result
    #expect(failed.status == .failed)
    #expect(failed.message?.hasSuffix("(3 attempts)") == true, "\(failed)")
    #expect(try String(contentsOfFile: counter, encoding: .utf8) == "3\n")

    await executor.close()
    for pid in pids { #expect(!ClusterTesting.isAlive(pid)) }
    let temporary =
      (try? FileManager.default.contentsOfDirectory(atPath: folder.root + "/temporary")) ?? []
    #expect(temporary.isEmpty, "\(temporary)")
  }

  @Test func anAddressClusterIsConnectedToWithItsTokenFile() async throws {
    // A detached-style cluster of its own: a runtime with an address, reached through
    // an `address:` entry whose token_file holds its token.
    let config = try ClusterTesting.config(
      "version: 1\nclusters:\n  s17src:\n    cluster_kwargs: {n_workers: 1}\n")
    let folder = try ClusterTesting.stateFolder()
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "s17src"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(folder), logger: ClusterTesting.logger)
    try await ClusterTesting.running(runtime) { endpoint in
      let token = try TemporaryDirectory.write(endpoint.token + "\n", named: "token")
      // The cluster speaks mutual TLS (`tls: auto`): the entry names its client files.
      let tls = runtime.stateDirectory + "/tls"
      let file = try TemporaryDirectory.write(
        "clusters:\n  s17shared:\n    address: \(endpoint.address)\n    token_file: \(token)\n"
          + "    security: {tls: {ca_file: \(tls)/ca.pem, cert_file: \(tls)/client.pem,"
          + " key_file: \(tls)/client-key.pem}}\n")
      let executor = try await Executor.connect(
        cluster: "s17shared", config: URL(fileURLWithPath: file))
      let result = try await executor.submit(.shell("echo", ["shared"])).result
      #expect(String(decoding: result.output, as: UTF8.self) == "shared\n")
      await executor.close()
    }
  }

  @Test func anUndeclaredClusterIsAnError() async throws {
    let file = try TemporaryDirectory.write("clusters:\n  only: {}\n")
    await #expect(throws: ShoalError.self) {
      _ = try await Executor.connect(cluster: "s17nope", config: URL(fileURLWithPath: file))
    }
  }
}
