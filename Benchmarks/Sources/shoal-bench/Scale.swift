import Foundation
import ShoalWire

/// The scale figures: one scheduler (its own process), a million queued no-op tasks,
/// then 200 connected workers (one process of lightweight in-process workers).
///
/// Prints a table: scheduler RSS and bytes per queued task as the queue grows;
/// throughput while 200 workers drain it; throughput for 10k / 100k / 1M tasks
/// submitted to the running 200-worker cluster.
enum Scale {
  static func run(_ options: Options) async throws {
    let total = options.n ?? 1_000_000
    let workerCount = options.workers ?? 200
    let token = UUID().uuidString
    let scheduler = try ChildProcess(
      arguments: ["serve", "--token", token], environment: [:])
    defer { scheduler.stop() }
    let address = try scheduler.readLine()
    guard address.hasPrefix("tcp://") else { throw BenchError("serve said: \(address)") }
    let port = Int(address.split(separator: ":").last ?? "") ?? 0
    say(
      "scale: scheduler \(address) (pid \(scheduler.pid)); \(total) tasks; \(workerCount) workers")

    let client = try await WireClient.connect(host: "127.0.0.1", port: port, token: token)
    try await client.run(token: token) { session in
      // 1. The queue grows; no workers yet.
      let base = try scheduler.query()
      say("\n queued tasks   scheduler RSS   bytes/queued task (total)   (step)")
      say(row([0, base.rss / 1e6, 0, 0]))
      var queued = 0
      var previous = base
      var nextID: UInt64 = 1
      for level in levels(upTo: total) {
        let envelopes = (queued..<level).map { _ in
          defer { nextID += 1 }
          return TaskEnvelope(id: nextID, spec: BuiltinCall.noop)
        }
        try await session.submit(envelopes)
        queued = level
        var load = try scheduler.query()
        while load.queued < level {
          try await Task.sleep(for: .milliseconds(20))
          load = try scheduler.query()
        }
        let perTask = (load.rss - base.rss) / Double(level)
        let step = (load.rss - previous.rss) / Double(level - previous.queued)
        say(row([Double(level), load.rss / 1e6, perTask, step]))
        previous = load
      }

      // 2. 200 workers connect and drain the queue.
      let workers = try ChildProcess(
        arguments: [
          "workers", "--address", address, "--token", token, "--workers", "\(workerCount)",
        ],
        environment: [:])
      defer { workers.stop() }
      let t0 = ContinuousClock.now
      say("\n draining \(queued) tasks with \(workerCount) workers (tasks/s per window)")
      say(" remaining queue   window tasks/s")
      var done = 0
      var windowStart = ContinuousClock.now
      var windowDone = 0
      let window = max(queued / 10, 1)
      try await session.wait(for: queued) { batch in
        done += batch.count
        windowDone += batch.count
        if windowDone >= window || done == queued {
          let rate = Double(windowDone) / seconds(since: windowStart)
          say(String(format: " %15d   %14.0f", queued - done, rate))
          windowStart = ContinuousClock.now
          windowDone = 0
        }
      }
      let drain = seconds(since: t0)
      let connected = try scheduler.query()
      say(
        String(
          format: " drained %d tasks in %.2f s: %.0f tasks/s (including %d workers connecting)",
          queued, drain, Double(queued) / drain, connected.workers))

      // 3. Throughput as the submitted batch grows, on the running cluster.
      say("\n batch size   tasks/s   scheduler RSS after (MB)")
      for size in levels(upTo: total) {
        let envelopes = (0..<size).map { _ in
          defer { nextID += 1 }
          return TaskEnvelope(id: nextID, spec: BuiltinCall.noop)
        }
        let t1 = ContinuousClock.now
        try await session.submit(envelopes)
        try await session.wait(for: size)
        let rate = Double(size) / seconds(since: t1)
        say(String(format: " %10d   %7.0f   %.1f", size, rate, try scheduler.query().rss / 1e6))
      }
    }
  }

  static func levels(upTo total: Int) -> [Int] {
    [10_000, 100_000, 1_000_000, 10_000_000].filter { $0 < total } + [total]
  }

  static func row(_ values: [Double]) -> String {
    String(
      format: " %12.0f   %10.1f MB   %10.1f   %10.1f", values[0], values[1], values[2], values[3])
  }
}
