import Foundation
import LocalBackend
import ShoalCore
import ShoalPluginHost

/// The cost of the plugin boundary (issue: the C ABI): loading each in-tree backend's
/// library (dlopen + its table), and one `workers()` call through the ABI against the
/// same call made directly on a LocalCluster linked into this process (what a call cost
/// when core and plugin shared Swift types).
enum PluginBoundary {
  static func run(_ options: Options) async throws -> Figures {
    var figures = Figures()
    let folder = (options.shoal as NSString).deletingLastPathComponent
    for module in ["LocalBackend", "SSHBackend", "ContainerBackend"] {
      let start = ContinuousClock.now
      _ = try PluginLoader.load(path: folder + "/lib\(module).so", module: module)
      figures["load_\(module)_ms"] = seconds(since: start) * 1000
    }
    let calls = options.n ?? 20_000
    let loader = PluginLoader(
      searchPath: PluginSearchPath(folders: [.init(path: folder, origin: "bench")]))
    let throughABI = try loader.backend("LocalBackend.LocalCluster").make(["n_workers": 0])
    let direct = try LocalCluster(kwargs: ["n_workers": 0])
    figures["workers_call_abi_us"] = try await perCall(throughABI, calls: calls)
    figures["workers_call_direct_us"] = try await perCall(direct, calls: calls)
    return figures
  }

  /// Microseconds per `workers()` call on a running backend with no workers.
  static func perCall(_ backend: any ClusterBackend, calls: Int) async throws -> Double {
    let state = NSTemporaryDirectory() + "shoal-bench-boundary-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: state) }
    let context = ClusterContext(
      clusterName: "bench", clusterID: "bench-\(getpid())", schedulerAddress: "tcp://127.0.0.1:9",
      token: "unused", workerExecutable: "/bin/false", stateDirectory: state)
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await backend.run(context: context) }
      for _ in 0..<1000 { _ = await backend.workers() }  // warm up
      let start = ContinuousClock.now
      for _ in 0..<calls { _ = await backend.workers() }
      let elapsed = seconds(since: start)
      group.cancelAll()
      return elapsed / Double(calls) * 1e6
    }
  }
}
