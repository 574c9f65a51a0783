import Foundation
import Shoal
import ShoalWire

/// What TLS costs (issue 13): the same LocalCluster of 2 workers x 1 slot, once with
/// `tls: off` and once with `tls: auto` (a per-cluster CA and three certificates made
/// at start, every connection mutual TLS 1.3), in one process run, so that both modes
/// meet the same machine load. Figures per mode: cold start to ready, round trip p50
/// of a no-op, no-op throughput of `n` tasks.
enum TLSWorkloads {
  static func tls(_ options: Options) async throws -> Figures {
    let n = options.n ?? 10_000
    var figures = Figures()
    for mode in ["off", "auto"] {
      let t0 = ContinuousClock.now
      let runtime = try LocalClusterWorkloads.makeRuntime(
        options,
        yaml: "cluster_kwargs: {n_workers: 2, threads_per_worker: 1}\n    security: {tls: \(mode)}")
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await runtime.run() }
        let endpoint = try await runtime.ready()
        figures["tls_\(mode)_start_s"] = seconds(since: t0)
        let executor = try await Shoal.Executor.connect(
          address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
        var samples: [Double] = []
        for round in 0..<1050 {
          let start = ContinuousClock.now
          try Workloads.check(try await executor.submit(BuiltinCall.noop).result)
          if round >= 50 { samples.append(seconds(since: start)) }
        }
        figures["tls_\(mode)_rtt_p50_ms"] = 1000 * percentile(samples.sorted(), 0.5)
        for result in try await executor.map(Array(repeating: BuiltinCall.noop, count: 100)) {
          try Workloads.check(result)
        }
        let start = ContinuousClock.now
        let results = try await executor.map(Array(repeating: BuiltinCall.noop, count: n))
        figures["tls_\(mode)_throughput"] = Double(n) / seconds(since: start)
        for result in results { try Workloads.check(result) }
        await executor.close()
        runtime.close()
        try await group.next()
      }
    }
    return figures
  }
}
