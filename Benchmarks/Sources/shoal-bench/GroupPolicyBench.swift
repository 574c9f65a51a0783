import Foundation
import Logging
import Shoal
import ShoalCore
import ShoalScheduler
import ShoalWire

/// The adaptive policy of a cluster of worker groups (issue 15), at scale:
/// (1) `GroupPolicy.decide` for 10 groups and 100,000 queued tasks (`--n`) spread over
/// 20 resource requests and plain tasks, timed over many rounds; (2) the scheduler's
/// side of a tick: `load()` with those 100,000 tasks queued for resources no connected
/// worker has (the per-request demand is counted from the resource queue).
enum GroupPolicyBench {
  static func run(_ options: Options) async throws -> Figures {
    let total = options.n ?? 100_000
    var figures = Figures()
    let shapes = (0..<10).map { index in
      GroupShape(
        name: "g\(index)", priority: index, slots: 1 + index % 4,
        resources: try! ResourceSet(
          parsing: "r\(index % 5)=\(1 + index % 3),memory=\(16 << index % 3)G"),
        settings: AdaptSettings(minimum: 0, maximum: 50 + index, targetDuration: .seconds(5)),
        idleTimeout: 30)
    }
    let requests = (0..<20).map { index in
      GroupDemand.Request(
        resources: try! ResourceSet(parsing: "r\(index % 5)=1,memory=\(1 + index % 8)G"),
        queued: total / 25)
    }
    let plain = total - requests.reduce(0) { $0 + $1.queued }
    let demand = GroupDemand(plainQueued: plain, requests: requests, recentTaskDuration: 2)
    let states = Dictionary(
      uniqueKeysWithValues: shapes.map { shape in
        (
          shape.name,
          GroupState(
            planned: 10,
            workers: (0..<10).map {
              GroupWorker(
                name: "\(shape.name)-\($0)", slots: shape.slots, running: $0 % 2,
                idleSeconds: $0 % 2 == 0 ? 40 : nil)
            })
        )
      })
    var policy = GroupPolicy(shapes: shapes)
    let rounds = 2_000
    var samples: [Double] = []
    samples.reserveCapacity(rounds)
    var changed = 0
    for round in 0..<rounds {
      let t0 = ContinuousClock.now
      let decisions = policy.decide(demand: demand, states: states, time: Double(round))
      samples.append(seconds(since: t0) * 1e6)
      changed += decisions.count { $0.decision.action != .same }
    }
    samples.sort()
    figures["policy_decide_p50_us"] = percentile(samples, 0.5)
    figures["policy_decide_p99_us"] = percentile(samples, 0.99)
    figures["policy_groups"] = Double(shapes.count)
    figures["policy_queued_tasks"] = Double(total)
    figures["policy_changes"] = Double(changed)

    // The scheduler's side: 100,000 resource tasks queued, then `load()`.
    let token = UUID().uuidString
    var logger = Logger(label: "bench.scheduler")
    logger.logLevel = .error
    let scheduler = Scheduler(configuration: SchedulerConfiguration(token: token), logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      let address = try await scheduler.listeningAddress()
      let executor = try await Executor.connect(address: address, token: token)
      let specs = (0..<total).map { index -> TaskSpec in
        var spec = TaskSpec.shell("true")
        spec.resources = requests[index % requests.count].resources
        return spec
      }
      _ = executor.submit(specs)
      let deadline = ContinuousClock.now + .seconds(120)
      while await scheduler.load().queued < total && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(100))
      }
      var loads: [Double] = []
      for _ in 0..<20 {
        let t0 = ContinuousClock.now
        let load = await scheduler.load()
        loads.append(seconds(since: t0) * 1e3)
        guard load.resourceDemand?.count == requests.count else {
          throw BenchError("expected \(requests.count) requests, got \(load.resourceDemand ?? [])")
        }
      }
      loads.sort()
      figures["scheduler_load_p50_ms"] = percentile(loads, 0.5)
      figures["scheduler_load_max_ms"] = loads.last ?? .nan
      await executor.close()
      group.cancelAll()
    }
    return figures
  }
}
