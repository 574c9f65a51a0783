import Foundation
import ShoalWire

/// The soak: one scheduler (its own process), `--workers` lightweight workers (default
/// 8), and 20 concurrent clients that submit `--n` Builtin no-op tasks between them
/// (default one million) in batches and wait for every result. The scheduler's RSS is
/// sampled every second, during the run and for 5 s after the clients left.
///
/// Prints one line per second (`t_s rss_mb done`) and a summary: RSS at the start, its
/// peak, and after the clients left; each client's finish time (fair scheduling keeps
/// them together).
enum Soak {
  static let clients = 20

  static func run(_ options: Options) async throws {
    let total = options.n ?? 1_000_000
    let perClient = total / clients
    let batch = 10_000
    let token = UUID().uuidString
    let scheduler = try ChildProcess(arguments: ["serve", "--token", token], environment: [:])
    defer { scheduler.stop() }
    let address = try scheduler.readLine()
    guard address.hasPrefix("tcp://") else { throw BenchError("serve said: \(address)") }
    let port = Int(address.split(separator: ":").last ?? "") ?? 0
    let workers = try ChildProcess(
      arguments: [
        "workers", "--address", address, "--token", token, "--workers", "\(options.workers ?? 8)",
      ],
      environment: [:])
    defer { workers.stop() }
    try await Task.sleep(for: .seconds(1))
    let start = try scheduler.query().rss
    say("soak: \(clients) clients x \(perClient) no-op tasks; scheduler pid \(scheduler.pid)")
    say(String(format: "start RSS %.1f MB", start / 1e6))
    say("   t_s   rss_mb")

    let t0 = ContinuousClock.now
    let done = Done()
    let finishes = try await withThrowingTaskGroup(of: Double?.self) { group in
      group.addTask {
        // The sampler: every second until the clients are done, then 5 more.
        var after = 0
        while after < 5 {
          try await Task.sleep(for: .seconds(1))
          let rss = try scheduler.query().rss
          done.peak(rss)
          say(String(format: " %5.0f   %6.1f", seconds(since: t0), rss / 1e6))
          if done.finished == clients { after += 1 }
        }
        done.end(rss: try scheduler.query().rss)
        return nil
      }
      for _ in 0..<clients {
        group.addTask {
          let client = try await WireClient.connect(host: "127.0.0.1", port: port, token: token)
          try await client.run(token: token) { session in
            var nextID: UInt64 = 1
            var sent = 0
            while sent < perClient {
              let count = min(batch, perClient - sent)
              try await session.submit(
                (0..<count).map { _ in
                  defer { nextID += 1 }
                  return TaskEnvelope(id: nextID, spec: BuiltinCall.noop)
                })
              try await session.wait(for: count)
              sent += count
            }
          }
          done.clientFinished()
          return seconds(since: t0)
        }
      }
      var finishes: [Double] = []
      for try await finish in group { if let finish { finishes.append(finish) } }
      return finishes.sorted()
    }
    let elapsed = finishes.last ?? 0
    say(
      String(
        format:
          "soak: %d tasks in %.1f s (%.0f tasks/s); scheduler RSS start %.1f MB, peak %.1f MB, "
          + "5 s after the clients left %.1f MB", total, elapsed, Double(total) / elapsed,
        start / 1e6, done.peakRSS / 1e6, done.endRSS / 1e6))
    say(
      String(
        format: "client finish times: first %.1f s, median %.1f s, last %.1f s",
        finishes.first ?? 0, finishes[finishes.count / 2], finishes.last ?? 0))
  }

  /// Shared counters of the run.
  final class Done: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var highest = 0.0
    private var last = 0.0
    var finished: Int { lock.withLock { count } }
    var peakRSS: Double { lock.withLock { highest } }
    var endRSS: Double { lock.withLock { last } }
    func clientFinished() { lock.withLock { count += 1 } }
    func peak(_ rss: Double) { lock.withLock { highest = max(highest, rss) } }
    func end(rss: Double) { lock.withLock { last = rss } }
  }
}
