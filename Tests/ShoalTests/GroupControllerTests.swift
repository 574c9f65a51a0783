import Logging
import Shoal
import ShoalCore
import ShoalScheduler
import ShoalWire
import Synchronization
import Testing

/// The group controller's loop, its ticks driven by a manual clock: decisions reach
/// each group's backend; scale-down retires through the scheduler first.
@Suite struct GroupControllerTests {
  /// A scheduler whose load the test sets, recording retirements.
  final class FakeScheduler: GroupScalingScheduler {
    let current = Mutex(SchedulerLoad())
    let retired = Mutex<[String]>([])
    func load() async -> SchedulerLoad { current.withLock { $0 } }
    func adaptiveLoad() async -> AdaptiveLoad { AdaptiveLoad(load: await load()) }
    func workersToClose(_ count: Int) async -> [String] { [] }
    func retire(workers: [String]) async -> [String] {
      retired.withLock { $0 += workers }
      return workers
    }
  }

  /// A backend that records what it is asked and reports `prefix-N` workers running.
  final class RecordingBackend: ClusterBackend {
    let prefix: String
    let calls = Mutex<[String]>([])
    let names = Mutex<[String]>([])
    init(kwargs: Kwargs) throws { prefix = "x" }
    init(prefix: String) { self.prefix = prefix }
    var initialWorkers: Int { 0 }
    func run(context: ClusterContext) async throws {}
    func scale(to count: Int) async throws {
      calls.withLock { $0.append("scale \(count)") }
      names.withLock { names in
        while names.count < count { names.append("\(prefix)-\(names.count)") }
        if names.count > count { names.removeLast(names.count - count) }
      }
    }
    func stop(workers: [String]) async throws {
      calls.withLock { $0.append("stop \(workers.joined(separator: ","))") }
      names.withLock { $0.removeAll { workers.contains($0) } }
    }
    func workers() async -> [WorkerStatus] {
      names.withLock { $0 }.map { WorkerStatus(name: $0, state: .running) }
    }
  }

  func member(_ name: String, priority: Int, resources: String, backend: RecordingBackend)
    throws -> GroupedBackend.Member
  {
    let settings = AdaptSettings(
      minimum: 0, maximum: 2, interval: .seconds(1), waitCount: 2,
      targetDuration: .milliseconds(100))
    let group = WorkerGroupSpec(
      name: name, backend: ClusterSpec(name: "c", adapt: settings),
      resources: try ResourceSet(parsing: resources), priority: priority)
    return GroupedBackend.Member(group: group, backend: backend, settings: settings)
  }

  @Test func ticksOnTheManualClockScaleTheRightGroupUpAndBackDown() async throws {
    let clock = ManualClock()
    let scheduler = FakeScheduler()
    let local = RecordingBackend(prefix: "local")
    let burst = RecordingBackend(prefix: "burst")
    let lines = LogLines()
    let controller = GroupController(
      scheduler: scheduler,
      members: [
        try member("burst", priority: 1, resources: "special=1", backend: burst),
        try member("local", priority: 0, resources: "", backend: local),
      ],
      clock: clock, logger: Logger(label: "test") { _ in lines }, wallClock: { 100 })
    #expect(controller.shapes["burst"]?.description == "cpu=1,special=1")
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await controller.run() }
      func tick() async throws {
        try await waitUntil { clock.sleepers == 1 }
        clock.advance(by: .seconds(1))
        try await waitUntil { clock.sleepers == 1 }
      }
      // Nothing queued: no change.
      try await tick()
      #expect(local.calls.withLock { $0 }.isEmpty && burst.calls.withLock { $0 }.isEmpty)
      // Three tasks that need `special`: burst goes 0 -> 2, local stays at 0.
      var load = SchedulerLoad(queued: 3)
      load.resourceDemand = [
        ResourceDemand(resources: try ResourceSet(parsing: "special=1"), queued: 3)
      ]
      scheduler.current.withLock { $0 = load }
      try await tick()
      #expect(burst.calls.withLock { $0 } == ["scale 2"])
      #expect(local.calls.withLock { $0 }.isEmpty)
      #expect(controller.planned == ["burst": 2, "local": 0])
      #expect(
        lines.text.contains("group burst: scale up 0 -> 2: 2 queued `special=1`"), "\(lines.text)")
      // Done and idle: after wait_count (2) lower targets, both retired, then stopped.
      scheduler.current.withLock {
        $0 = SchedulerLoad(
          workers: [
            WorkerLoad(name: "burst-0", slots: 1, running: 0, idleSeconds: 3),
            WorkerLoad(name: "burst-1", slots: 1, running: 0, idleSeconds: 3),
          ])
      }
      try await tick()
      #expect(burst.calls.withLock { $0 } == ["scale 2"])
      try await tick()
      #expect(scheduler.retired.withLock { $0 }.sorted() == ["burst-0", "burst-1"])
      #expect(burst.calls.withLock { $0 }.last == "stop burst-0,burst-1")
      #expect(controller.planned["burst"] == 0)
      #expect(
        controller.recentDecisions.contains { $0.group == "burst" && $0.decision.action == .down })
      // By hand: one group scaled, adaptive off for it only.
      try await controller.scale(group: "local", to: 1)
      #expect(local.calls.withLock { $0 } == ["scale 1"])
      #expect(controller.manualGroups == ["local"])
      await #expect(throws: ShoalError.self) { try await controller.scale(group: "lcoal", to: 1) }
      clock.cancelAll()
      group.cancelAll()
    }
  }

  func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(1)) }
    #expect(condition())
  }
}

/// Log lines, for checking the decision log.
final class LogLines: LogHandler, Sendable {
  private let lines = Mutex<[String]>([])
  var text: String { lines.withLock { $0.joined(separator: "\n") } }
  var metadata: Logger.Metadata {
    get { [:] }
    set {}
  }
  var logLevel: Logger.Level {
    get { .info }
    set {}
  }
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { nil }
    set {}
  }
  func log(event: LogEvent) { lines.withLock { $0.append("\(event.message)") } }
}
