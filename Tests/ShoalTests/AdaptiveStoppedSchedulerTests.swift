import Logging
import Shoal
import ShoalCore
import Synchronization
import Testing

/// A scheduler that cannot report its load (it has stopped) gives the adaptive loop no
/// decision, not an empty load that would read as "scale down to the minimum".
@Suite struct AdaptiveStoppedSchedulerTests {
  /// A scheduler whose load is `load`, or that has stopped when it is nil.
  struct FakeScheduler: ScalingScheduler {
    let load: AdaptiveLoad?
    func adaptiveLoad() async throws -> AdaptiveLoad {
      guard let load else { throw Stopped() }
      return load
    }
    func workersToClose(_ count: Int) async -> [String] { [] }
    func retire(workers: [String]) async -> [String] { workers }
  }

  /// What `Scheduler.load()` throws once its event loop is gone (`SchedulerStopped`).
  struct Stopped: Error, CustomStringConvertible {
    var description: String { "the scheduler has stopped and cannot report its load" }
  }

  /// A backend that records the scale calls it gets.
  final class RecordingBackend: ClusterBackend {
    let calls = Mutex<[String]>([])
    init() {}
    init(kwargs: Kwargs) throws {}
    var initialWorkers: Int { 0 }
    func run(context: ClusterContext) async throws {}
    func scale(to count: Int) async throws { calls.withLock { $0.append("scale \(count)") } }
    func stop(workers names: [String]) async throws {
      calls.withLock { $0.append("stop \(names)") }
    }
    func workers() async -> [WorkerStatus] { [] }
  }

  func controller(_ scheduler: FakeScheduler, _ backend: RecordingBackend)
    -> AdaptiveController<ContinuousClock>
  {
    AdaptiveController(
      scheduler: scheduler, backend: backend,
      settings: AdaptSettings(minimum: 0, maximum: 4, waitCount: 1),
      planned: 2, clock: ContinuousClock(), logger: Logger(label: "test.adaptive"))
  }

  @Test func aStoppedSchedulerGivesNoDecision() async throws {
    let backend = RecordingBackend()
    let decision = await controller(FakeScheduler(load: nil), backend).tick()
    #expect(decision.action == .same)
    #expect(decision.to == 2)
    #expect(decision.reason.contains("the scheduler has stopped"), "\(decision.reason)")
    #expect(backend.calls.withLock { $0 }.isEmpty)
  }

  @Test func anAnsweringSchedulerWithQueuedWorkScalesUp() async throws {
    let backend = RecordingBackend()
    let load = AdaptiveLoad(
      queued: 40, running: 2, workers: 2, totalSlots: 2, recentTaskDuration: 10)
    let decision = await controller(FakeScheduler(load: load), backend).tick()
    #expect(decision.action == .up)
    #expect(backend.calls.withLock { $0 } == ["scale \(decision.to)"])
  }
}
