import Foundation
import ShoalWire

/// Fair scheduling between clients: one scheduler (its own process) and 2 lightweight
/// workers. (1) A client queues 20,000 tasks of `Builtin.sleep 1 ms`; a second client
/// then submits one no-op: how long it waits for its result. (2) 20 clients submit
/// 1,000 such tasks each at the same moment: when each finishes, and when each
/// reached 10% of its tasks.
enum Fairness {
  static func run(_ options: Options) async throws {
    let token = UUID().uuidString
    let scheduler = try ChildProcess(arguments: ["serve", "--token", token], environment: [:])
    defer { scheduler.stop() }
    let address = try scheduler.readLine()
    guard address.hasPrefix("tcp://") else { throw BenchError("serve said: \(address)") }
    let port = Int(address.split(separator: ":").last ?? "") ?? 0
    let workers = try ChildProcess(
      arguments: ["workers", "--address", address, "--token", token, "--workers", "2"],
      environment: [:])
    defer { workers.stop() }
    try await Task.sleep(for: .seconds(1))
    let task = BuiltinCall.sleep(milliseconds: 1)

    // 1. One task behind a big map.
    let big = options.n ?? 20_000
    let wait = try await withThrowingTaskGroup(of: Double?.self) { group in
      group.addTask {
        let client = try await WireClient.connect(host: "127.0.0.1", port: port, token: token)
        try await client.run(token: token) { session in
          try await session.submit(
            (1...big).map { TaskEnvelope(id: UInt64($0), spec: task) })
          try await session.wait(for: big)
        }
        return nil
      }
      try await Task.sleep(for: .milliseconds(500))
      let client = try await WireClient.connect(host: "127.0.0.1", port: port, token: token)
      let waited = try await client.run(token: token) { session in
        let t0 = ContinuousClock.now
        try await session.submit([TaskEnvelope(id: 1, spec: BuiltinCall.noop)])
        try await session.wait(for: 1)
        return seconds(since: t0)
      }
      group.addTask { waited }
      var result = 0.0
      for try await value in group { if let value { result = value } }
      return result
    }
    say(
      String(format: "one task behind a %d-task map of 1 ms tasks: result after %.3f s", big, wait))

    // 2. 20 clients of 1,000 tasks at once.
    let t0 = ContinuousClock.now
    let rows = try await withThrowingTaskGroup(of: (Double, Double).self) { group in
      for _ in 0..<20 {
        group.addTask {
          let client = try await WireClient.connect(host: "127.0.0.1", port: port, token: token)
          return try await client.run(token: token) { session in
            try await session.submit((1...1000).map { TaskEnvelope(id: UInt64($0), spec: task) })
            var received = 0
            var tenth = 0.0
            try await session.wait(for: 1000) { batch in
              received += batch.count
              if tenth == 0 && received >= 100 { tenth = seconds(since: t0) }
            }
            return (tenth, seconds(since: t0))
          }
        }
      }
      var rows: [(Double, Double)] = []
      for try await row in group { rows.append(row) }
      return rows
    }
    let finishes = rows.map(\.1).sorted()
    let tenths = rows.map(\.0).sorted()
    say(
      String(
        format:
          "20 clients x 1000 tasks of 1 ms: finish first %.1f s, median %.1f s, last %.1f s; "
          + "10%% reached: first %.1f s, last %.1f s", finishes[0], finishes[10], finishes[19],
        tenths[0], tenths[19]))
  }
}
