import Foundation
import Shoal
import ShoalWire

/// The workloads of `Benchmarks/dask/bench.py`, on Shoal: same names, same figures.
enum Workloads {
  /// Cold start to `workers` workers ready, and close.
  static func start(_ options: Options) async throws -> Figures {
    let workers = options.workers ?? 2
    let t0 = ContinuousClock.now
    let cluster = BenchCluster(shoal: options.shoal)
    var figures = Figures()
    let t1 = try await cluster.run { cluster in
      try cluster.startWorkers(workers)
      try await cluster.waitForWorkers(workers)
      return ContinuousClock.now
    }
    figures["start_s"] = seconds(since: t0) - seconds(since: t1)
    figures["close_s"] = seconds(since: t1)
    return figures
  }

  /// Sequential round trips of a no-op.
  static func latency(_ options: Options) async throws -> Figures {
    let n = options.n ?? 1000
    let samples = try await withTwoWorkers(options) { executor in
      var samples: [Double] = []
      for round in 0..<(n + 50) {
        let t0 = ContinuousClock.now
        let result = try await executor.submit(BuiltinCall.noop).result
        if round >= 50 { samples.append(seconds(since: t0)) }
        try check(result)
      }
      return samples.sorted()
    }
    var figures = Figures()
    figures["rtt_p50_ms"] = 1000 * percentile(samples, 0.5)
    figures["rtt_p99_ms"] = 1000 * percentile(samples, 0.99)
    return figures
  }

  /// `n` no-op tasks submitted at once; tasks/s from submit to the last result.
  static func throughput(_ options: Options) async throws -> Figures {
    let n = options.n ?? 10_000
    let elapsed = try await withTwoWorkersAndCluster(options) { cluster, executor in
      for result in try await executor.map(Array(repeating: BuiltinCall.noop, count: 100)) {
        try check(result)
      }
      let specs = Array(repeating: BuiltinCall.noop, count: n)
      let pids = [getpid()] + cluster.workers.map(\.processIdentifier)
      let cpu0 = pids.map { cpuSeconds(pid: $0) ?? 0 }
      let t0 = ContinuousClock.now
      let results = try await executor.map(specs)
      let elapsed = seconds(since: t0)
      let cpu1 = pids.map { cpuSeconds(pid: $0) ?? 0 }
      for result in results { try check(result) }
      let here = (cpu1[0] - cpu0[0]) / Double(n)
      let workers = (zip(cpu1, cpu0).dropFirst().map { $0 - $1 }.reduce(0, +)) / Double(n)
      return (elapsed, here, workers)
    }
    var figures = Figures()
    figures["throughput_\(n)"] = Double(n) / elapsed.0
    // CPU per task (10 ms clock ticks, so a coarse figure): the process holding
    // scheduler and client, and the two workers together.
    figures["cpu_us_scheduler_client_\(n)"] = 1e6 * elapsed.1
    figures["cpu_us_workers_\(n)"] = 1e6 * elapsed.2
    return figures
  }

  /// `n` tasks of 10 ms on 2 slots: ideal time / elapsed.
  static func sleep(_ options: Options) async throws -> Figures {
    let n = options.n ?? 400
    let elapsed = try await withTwoWorkers(options) { executor in
      _ = try await executor.map(Array(repeating: BuiltinCall.noop, count: 20))
      let specs = Array(repeating: BuiltinCall.sleep(milliseconds: 10), count: n)
      let t0 = ContinuousClock.now
      let results = try await executor.map(specs)
      let elapsed = seconds(since: t0)
      for result in results { try check(result) }
      return (elapsed, results.reduce(0) { $0 + $1.duration } / Double(n))
    }
    var figures = Figures()
    figures["sleep_efficiency"] = Double(n) * 0.010 / 2 / elapsed.0
    // Where the time went: the worker's own measure of one 10 ms task, and what each
    // slot spent per task beyond it (scheduling, round trips, result handling).
    figures["sleep_task_ms"] = 1000 * elapsed.1
    figures["sleep_gap_ms"] = 1000 * (elapsed.0 * 2 / Double(n) - elapsed.1)
    return figures
  }

  /// Resident memory: this process (scheduler and client, as in Dask's LocalCluster)
  /// after `n` no-op tasks, and one idle worker process.
  static func memory(_ options: Options) async throws -> Figures {
    let n = options.n ?? 10_000
    let cluster = BenchCluster(shoal: options.shoal)
    return try await cluster.run { cluster in
      try cluster.startWorkers(2)
      try await cluster.waitForWorkers(2)
      try await Task.sleep(for: .seconds(1))
      let idle =
        cluster.workers.compactMap { residentBytes(pid: $0.processIdentifier) }.min() ?? .nan
      let unique =
        cluster.workers.compactMap { uniqueBytes(pid: $0.processIdentifier) }.min() ?? .nan
      let proportional =
        cluster.workers.compactMap { proportionalBytes(pid: $0.processIdentifier) }.min() ?? .nan
      if options.mappings, let worker = cluster.workers.first,
        let mappings = Mappings(pid: worker.processIdentifier)
      {
        FileHandle.standardError.write(Data("idle worker, by mapping:\n\(mappings.table())\n".utf8))
      }
      try await cluster.executor { executor in
        for result in try await executor.map(Array(repeating: BuiltinCall.noop, count: n)) {
          try check(result)
        }
      }
      try await Task.sleep(for: .seconds(1))
      var figures = Figures()
      figures["rss_scheduler_mb"] = (residentBytes(pid: getpid()) ?? .nan) / 1e6
      figures["rss_worker_mb"] = idle / 1e6
      figures["uss_worker_mb"] = unique / 1e6
      figures["pss_worker_mb"] = proportional / 1e6
      return figures
    }
  }

  /// `n` tasks with a 1 MiB input and a 1 MiB output (Builtin.echo), at most 64 in
  /// flight; (in + out) bytes / elapsed. The inputs are the 1 MiB slices of
  /// `--payload FILE` (the harness writes random text there, the same bytes the Dask
  /// side sends), or 1 MiB of `x` without it.
  static func bytes(_ options: Options) async throws -> Figures {
    let n = options.n ?? 1000
    let size = 1 << 20
    let payloads = try payloadSlices(options.payload, size: size)
    let specs = payloads.map { BuiltinCall.echo(text: $0) }
    let elapsed = try await withTwoWorkers(options) { executor in
      let window = 64
      let t0 = ContinuousClock.now
      var inFlight: [(TaskHandle, Int)] = []
      var submitted = 0
      var bytes = 0
      while submitted < n || !inFlight.isEmpty {
        while submitted < n && inFlight.count < window {
          let which = submitted % specs.count
          inFlight.append((executor.submit(specs[which]), which))
          submitted += 1
        }
        let (handle, which) = inFlight.removeFirst()
        let result = try await handle.result
        try check(result)
        // The output is the input's JSON string: the payload and its two quotes.
        guard result.output.count == payloads[which].count + 2,
          result.output.dropFirst().prefix(64).elementsEqual(payloads[which].prefix(64))
        else { throw BenchError("echo returned something else than its input") }
        bytes += result.output.count - 2
      }
      if bytes != n * size {
        throw BenchError("echo returned \(bytes) bytes, expected \(n * size)")
      }
      return seconds(since: t0)
    }
    var figures = Figures()
    figures["bytes_per_s_mb"] = Double(2 * n * size) / elapsed / 1e6
    return figures
  }

  /// The consecutive `size`-byte slices of `path` (text without JSON escapes), or one
  /// slice of `x` when there is no file.
  static func payloadSlices(_ path: String?, size: Int) throws -> [[UInt8]] {
    guard let path else { return [Array(repeating: UInt8(ascii: "x"), count: size)] }
    guard let data = FileManager.default.contents(atPath: path), data.count >= size else {
      throw BenchError("--payload \(path): cannot read \(size) bytes from it")
    }
    let bytes = [UInt8](data)
    let slices = stride(from: 0, through: bytes.count - size, by: size).map {
      Array(bytes[$0..<$0 + size])
    }
    let escaped: Set<UInt8> = [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/")]
    if bytes.contains(where: { $0 < 0x20 || $0 >= 0x80 || escaped.contains($0) }) {
      throw BenchError("--payload \(path): the payloads must be ASCII text without JSON escapes")
    }
    return slices
  }

  static func check(_ result: TaskResult) throws {
    guard result.status == .succeeded else {
      throw BenchError("a task ended \(result.status): \(result.message ?? "")")
    }
  }

  /// A scheduler here, 2 worker processes x 1 slot, one `Executor`.
  static func withTwoWorkers<T: Sendable>(
    _ options: Options, _ body: @Sendable @escaping (Shoal.Executor) async throws -> T
  ) async throws -> T {
    try await withTwoWorkersAndCluster(options) { _, executor in try await body(executor) }
  }

  /// The same, with the cluster (for its worker processes).
  static func withTwoWorkersAndCluster<T: Sendable>(
    _ options: Options, _ body: @Sendable @escaping (BenchCluster, Shoal.Executor) async throws -> T
  ) async throws -> T {
    let cluster = BenchCluster(shoal: options.shoal)
    return try await cluster.run { cluster in
      try cluster.startWorkers(2)
      try await cluster.waitForWorkers(2)
      return try await cluster.executor { try await body(cluster, $0) }
    }
  }
}
