import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import ShoalWire
import Testing

/// Figures for the benchmark table (issue 8). The times are printed, never asserted
/// (machines are noisy); what was timed is asserted to have happened. Each runs once
/// in the test suite; `SHOAL_MEASURE=1 swift test --skip-build --filter Measurements`
/// repeats them for the figures (`Measure.runs`).
struct Measurements {
  static func seconds(since start: ContinuousClock.Instant) -> Double {
    (ContinuousClock.now - start).seconds
  }

  static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

  static func format(_ values: [Double]) -> String {
    let sorted = values.sorted()
    return String(
      format: "min %.3f s, median %.3f s, max %.3f s (%d runs)", sorted.first!, median(values),
      sorted.last!, values.count)
  }

  @Test func coldStartToTwoWorkersReady() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        two:
          cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
      """)
    var starts: [Double] = []
    var closes: [Double] = []
    for _ in 0..<Measure.runs(7) {
      let start = ContinuousClock.now
      let runtime = try ClusterRuntime(
        spec: try config.cluster(named: "two"), loader: ClusterTesting.loader,
        options: ClusterTesting.options(try ClusterTesting.stateFolder()),
        logger: ClusterTesting.logger)
      let closeStart = try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await runtime.run() }
        let ready = try await runtime.ready()
        #expect(await runtime.status().workers.count == 2, "\(ready)")
        starts.append(Self.seconds(since: start))
        let closeStart = ContinuousClock.now
        runtime.close()
        try await group.waitForAll()
        return closeStart
      }
      closes.append(Self.seconds(since: closeStart))
    }
    print("MEASURE cold start to 2 workers ready: \(Self.format(starts))")
    print("MEASURE close of 2 workers: \(Self.format(closes))")
  }

  @Test func adaptiveReactionAndIdleWorkerMemory() async throws {
    let config = try ClusterTesting.config(
      """
      version: 1
      clusters:
        burst:
          cluster_kwargs: {threads_per_worker: 1}
          adapt_kwargs: {minimum: 0, maximum: 4, interval: 0.5}
      """)
    let runtime = try ClusterRuntime(
      spec: try config.cluster(named: "burst"), loader: ClusterTesting.loader,
      options: ClusterTesting.options(try ClusterTesting.stateFolder()),
      logger: ClusterTesting.logger)
    try await ClusterTesting.running(runtime) { endpoint in
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      // Let the loop settle at 0.
      try await Task.sleep(for: .seconds(1))
      let burst = ContinuousClock.now
      let handles = executor.submit((0..<400).map { _ in TaskSpec.shell("sleep", ["0.05"]) })
      var first: Double?
      var all: Double?
      let deadline = ContinuousClock.now + .seconds(120)
      while all == nil && ContinuousClock.now < deadline {
        let connected = await runtime.status().workers.filter { $0.slots > 0 }.count
        if first == nil && connected >= 1 { first = Self.seconds(since: burst) }
        if connected >= 4 { all = Self.seconds(since: burst) }
        try await Task.sleep(for: .milliseconds(5))
      }
      // Resident memory of an idle worker: after the burst, while workers are idle.
      let results = try await executor.gather(handles)
      let idleSince = ContinuousClock.now
      try await Task.sleep(for: .milliseconds(300))
      let pids = await ClusterTesting.workerPIDs(runtime)
      let rss = pids.compactMap(Self.residentKilobytes)
      var back: Double?
      while back == nil && ContinuousClock.now < deadline + .seconds(60) {
        if await runtime.status().workers.isEmpty { back = Self.seconds(since: idleSince) }
        try await Task.sleep(for: .milliseconds(5))
      }
      await executor.close()
      #expect(results.count == 400)
      #expect(results.allSatisfy { $0.status == .succeeded })
      #expect(first != nil && all != nil, "the cluster never grew to 4 workers")
      #expect(back != nil, "the cluster never went back to 0 workers")
      #expect(!rss.isEmpty && rss.allSatisfy { $0 > 0 })
      guard let first, let all, let back else { return }
      print(
        "MEASURE adaptive (interval 0.5 s, 0..4): burst to first worker \(first) s, to 4 workers \(all) s, idle to 0 workers \(back) s; \(results.count) tasks"
      )
      print(
        "MEASURE idle worker resident memory: \(rss.map { "\($0 / 1024) MB" }.joined(separator: ", ")) (kB: \(rss))"
      )
    }
  }

  /// `VmRSS` of `pid`, in kB.
  static func residentKilobytes(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
      return nil
    }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
      return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
    return nil
  }
}
