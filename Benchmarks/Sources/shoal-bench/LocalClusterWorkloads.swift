import Foundation
import Logging
import Shoal
import ShoalCore

/// The workloads that need Shoal's own LocalCluster (`LocalBackend.LocalCluster` run by
/// `ClusterRuntime`, as `shoal up` does): cold start and adaptive scaling.
enum LocalClusterWorkloads {
  /// Cold start of a LocalCluster with `workers` workers until it reports ready (all
  /// connected), then the time to close it (retire, stop, scheduler down).
  static func start(_ options: Options) async throws -> Figures {
    let workers = options.workers ?? 2
    let t0 = ContinuousClock.now
    let runtime = try makeRuntime(
      options, yaml: "cluster_kwargs: {n_workers: \(workers), threads_per_worker: 1}")
    var figures = Figures()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await runtime.run() }
      _ = try await runtime.ready()
      figures["start_s"] = seconds(since: t0)
      let t1 = ContinuousClock.now
      runtime.close()
      try await group.next()
      figures["close_s"] = seconds(since: t1)
    }
    return figures
  }

  /// Adaptive 0..`maximum` (interval 0.5 s, Dask's other defaults): a burst of 400 x 100 ms
  /// tasks; time to the first worker and to the maximum; cancel; time back to 0.
  static func adaptive(_ options: Options) async throws -> Figures {
    let maximum = options.maximum ?? 4
    let runtime = try makeRuntime(
      options,
      yaml: "adapt_kwargs: {minimum: 0, maximum: \(maximum), interval: 500ms}")
    var figures = Figures()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await runtime.run() }
      let endpoint = try await runtime.ready()
      let control = try await ControlClient.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let executor = try await Shoal.Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      try await Task.sleep(for: .seconds(1))
      let t0 = ContinuousClock.now
      let handles = executor.submit(
        Array(repeating: BuiltinCall.sleep(milliseconds: 100), count: 400))
      while figures["adapt_max_s"] == nil {
        let connected = try await control.status().workers.count
        if connected >= 1 && figures["adapt_first_s"] == nil {
          figures["adapt_first_s"] = seconds(since: t0)
        }
        if connected >= maximum { figures["adapt_max_s"] = seconds(since: t0) }
        if seconds(since: t0) > 120 {
          throw BenchError("adaptive: never reached \(maximum) workers")
        }
        try await Task.sleep(for: .milliseconds(20))
      }
      executor.cancel(handles)
      let t1 = ContinuousClock.now
      while try await control.status().workers.count > 0 {
        if seconds(since: t1) > 120 { throw BenchError("adaptive: never went back to 0 workers") }
        try await Task.sleep(for: .milliseconds(20))
      }
      figures["adapt_down_s"] = seconds(since: t1)
      await executor.close()
      await control.close()
      runtime.close()
      try await group.next()
    }
    return figures
  }

  /// This run's state folder (removed at the end of `main`).
  static let statePath = NSTemporaryDirectory() + "shoal-bench-\(getpid())"

  /// A ClusterRuntime for a `LocalBackend.LocalCluster` declared by `yaml` (the cluster's
  /// keys), with `options.shoal` as the worker executable and a temporary state folder.
  static func makeRuntime(_ options: Options, yaml: String) throws -> ClusterRuntime {
    let text = """
      version: 1
      clusters:
        bench:
          cluster_class: LocalBackend.LocalCluster
          \(yaml)
      """
    let config = try ShoalConfig.parse(text, file: "bench.yaml", environment: [:])
    let spec = try config.cluster(named: "bench")
    let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    let folder = me.deletingLastPathComponent().path
    let state = statePath
    var logger = Logger(label: "bench.cluster")
    logger.logLevel = .error
    return try ClusterRuntime(
      spec: spec, loader: config.loader(commandLinePluginPath: [folder]),
      options: ClusterOptions(
        workerExecutable: options.shoal, stateFolder: StateFolder(root: state)),
      logger: logger)
  }
}
