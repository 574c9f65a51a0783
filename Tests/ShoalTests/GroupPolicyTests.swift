import Shoal
import ShoalCore
import ShoalWire
import Testing

/// The pure policy of a cluster with worker groups: packing, priority, bounds,
/// scale-down by wait_count and idle_timeout, on explicit times and idle seconds.
@Suite struct GroupPolicyTests {
  static let special = try! ResourceSet(parsing: "special=1")

  /// The acceptance test's cluster: `local` (priority 0, maximum 2) and `burst`
  /// (priority 1, maximum 2, `special: 1`), one slot per worker, tasks never short.
  static func policy(idleTimeout: Double? = nil, waitCount: Int = 3) -> GroupPolicy {
    let settings = { (maximum: Int) in
      AdaptSettings(
        minimum: 0, maximum: maximum, waitCount: waitCount, targetDuration: .milliseconds(100))
    }
    return GroupPolicy(shapes: [
      GroupShape(
        name: "burst", priority: 1, resources: special, settings: settings(2),
        idleTimeout: idleTimeout),
      GroupShape(name: "local", priority: 0, settings: settings(2)),
    ])
  }

  func decide(
    _ policy: inout GroupPolicy, plain: Int = 0, special: Int = 0,
    _ states: [String: GroupState] = [:], time: Double = 0
  ) -> [String: GroupDecision] {
    let demand = GroupDemand(
      plainQueued: plain,
      requests: special > 0 ? [GroupDemand.Request(resources: Self.special, queued: special)] : [],
      recentTaskDuration: 1)
    let decisions = policy.decide(demand: demand, states: states, time: time)
    return Dictionary(uniqueKeysWithValues: decisions.map { ($0.group, $0) })
  }

  @Test func fillsTheLowestPriorityNumberFirstThenBursts() {
    var policy = Self.policy()
    #expect(policy.shapes.map(\.name) == ["local", "burst"])
    var d = decide(&policy, plain: 1)
    #expect(d["local"]?.decision.action == .up && d["local"]?.decision.to == 1)
    #expect(d["burst"]?.decision.action == .same && d["burst"]?.decision.to == 0)
    d = decide(&policy, plain: 2)
    #expect(d["local"]?.decision.to == 2 && d["burst"]?.decision.to == 0)
    // Local full at its maximum: the rest bursts.
    d = decide(&policy, plain: 3)
    #expect(d["local"]?.decision.to == 2 && d["burst"]?.decision.to == 1)
    #expect(d["burst"]?.decision.reason.contains("1 queued plain") == true)
    d = decide(&policy, plain: 10)
    #expect(d["local"]?.decision.to == 2 && d["burst"]?.decision.to == 2)
    #expect(d["burst"]?.decision.reason.contains("waiting") == true)
    #expect(d["burst"]?.decision.reason.contains("6 plain") == true)
  }

  @Test func taggedTasksStartTheirGroupFromZeroAndOnlyIt() {
    var policy = Self.policy()
    let d = decide(&policy, special: 3)
    #expect(d["burst"]?.decision.action == .up)
    #expect(d["burst"]?.decision.from == 0 && d["burst"]?.decision.to == 2)
    #expect(d["local"]?.decision.action == .same && d["local"]?.decision.to == 0)
    let line = "\(d["burst"]!)"
    #expect(line.hasPrefix("group burst: scale up 0 -> 2: "))
    #expect(line.contains("2 queued `special=1`") && line.contains("at its maximum: 1 `special=1`"))
  }

  @Test func busySlotsCountAndPlainWorkGoesWhereThereIsRoom() {
    var policy = Self.policy()
    // Two local workers, both busy: a new plain task bursts.
    let states = [
      "local": GroupState(
        planned: 2,
        workers: [
          GroupWorker(name: "l0", slots: 1, running: 1),
          GroupWorker(name: "l1", slots: 1, running: 1),
        ])
    ]
    let d = decide(&policy, plain: 1, states)
    #expect(d["local"]?.decision.action == .same)
    #expect(d["burst"]?.decision.to == 1)
  }

  @Test func packsRequestsIntoTheWorkerShape() {
    let big = GroupShape(
      name: "big", slots: 4, resources: try! ResourceSet(parsing: "gpu=2"),
      settings: AdaptSettings(maximum: 10, targetDuration: .milliseconds(1)))
    #expect(big.fit(try! ResourceSet(parsing: "gpu=1")) == 2)
    #expect(big.fit(try! ResourceSet(parsing: "cpu=2")) == 2)
    #expect(big.fit(try! ResourceSet(parsing: "gpu=3")) == 0)
    var policy = GroupPolicy(shapes: [big])
    let demand = GroupDemand(
      plainQueued: 0,
      requests: [GroupDemand.Request(resources: try! ResourceSet(parsing: "gpu=1"), queued: 7)],
      recentTaskDuration: 10)
    let decision = policy.decide(demand: demand, states: [:], time: 0)[0]
    #expect(decision.decision.to == 4)  // 7 tasks, 2 per worker
    #expect(decision.decision.reason.contains("(2 per worker)"))
  }

  @Test func shortTasksAskForFewerWorkers() {
    var policy = GroupPolicy(shapes: [
      GroupShape(name: "g", settings: AdaptSettings(maximum: 100, targetDuration: .seconds(5)))
    ])
    // 100 tasks of 0.1 s with a 5 s target: 2 slots.
    let decision = policy.decide(
      demand: GroupDemand(plainQueued: 100, recentTaskDuration: 0.1), states: [:], time: 0)[0]
    #expect(decision.decision.to == 2)
  }

  @Test func returnsToTheMinimumAfterWaitCountRetiringIdleWorkersOnly() {
    var policy = Self.policy(waitCount: 3)
    let states = [
      "burst": GroupState(
        planned: 2,
        workers: [
          GroupWorker(name: "b0", slots: 1, running: 0, idleSeconds: 5),
          GroupWorker(name: "b1", slots: 1, running: 1),
        ])
    ]
    for tick in 1...2 {
      let d = decide(&policy, states, time: Double(tick))
      #expect(d["burst"]?.decision.action == .same)
      #expect(d["burst"]?.decision.reason.contains("waiting (\(tick)/3") == true)
    }
    let d = decide(&policy, states, time: 3)
    #expect(d["burst"]?.decision.action == .down)
    // The busy worker holds a slot: the target is 1, so only the idle one goes.
    #expect(d["burst"]?.decision.to == 1)
    #expect(d["burst"]?.retire == ["b0"])
    #expect(d["burst"]?.decision.time == 3)
  }

  @Test func idleTimeoutKeepsWorkersThatWereIdleBriefly() {
    var policy = Self.policy(idleTimeout: 30, waitCount: 1)
    var states = [
      "burst": GroupState(
        planned: 2,
        workers: [
          GroupWorker(name: "b0", slots: 1, running: 0, idleSeconds: 10),
          GroupWorker(name: "b1", slots: 1, running: 0, idleSeconds: 40),
        ])
    ]
    var d = decide(&policy, states)
    #expect(d["burst"]?.decision.action == .down)
    #expect(d["burst"]?.retire == ["b1"] && d["burst"]?.decision.to == 1)
    states["burst"] = GroupState(
      planned: 1, workers: [GroupWorker(name: "b0", slots: 1, running: 0, idleSeconds: 20)])
    d = decide(&policy, states)
    #expect(d["burst"]?.decision.action == .same)
    #expect(d["burst"]?.decision.reason.contains("no worker idle for 30 s") == true)
    states["burst"]?.workers[0].idleSeconds = 31
    d = decide(&policy, states)
    #expect(d["burst"]?.decision.action == .down && d["burst"]?.retire == ["b0"])
  }

  @Test func workersThatNeverConnectedAreDroppedAndAboveMaximumGoesAtOnce() {
    var policy = Self.policy(waitCount: 5)
    // 2 planned, none connected, nothing to do; above the lowered maximum of 1.
    policy.update(
      GroupShape(
        name: "local", settings: AdaptSettings(minimum: 0, maximum: 1, waitCount: 5)))
    let d = decide(&policy, ["local": GroupState(planned: 2)])
    #expect(d["local"]?.decision.action == .down)
    #expect(d["local"]?.decision.to == 0 && d["local"]?.retire == [])
    #expect(d["local"]?.decision.reason.contains("above the maximum") == true)
  }

  @Test func theMinimumHoldsWithNothingToDo() {
    var policy = GroupPolicy(shapes: [
      GroupShape(name: "g", settings: AdaptSettings(minimum: 1, maximum: 3))
    ])
    let decision = policy.decide(demand: GroupDemand(plainQueued: 0), states: [:], time: 0)[0]
    #expect(decision.decision.to == 1 && decision.decision.action == .up)
    #expect(decision.decision.reason.contains("raised to minimum 1"))
  }
}
