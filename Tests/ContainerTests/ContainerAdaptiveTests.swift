import Foundation
import Logging
import Shoal
import ShoalCore
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Testing

/// The scheduler as the adaptive loop sees it (a wrapper, so that these tests do not
/// depend on where the core declares `Scheduler`'s own conformance).
struct SchedulerScaling: ScalingScheduler {
  let scheduler: Scheduler
  func adaptiveLoad() async throws -> AdaptiveLoad {
    let load = try await scheduler.load()
    let active = load.workers.filter { !$0.retiring && !$0.draining }
    return AdaptiveLoad(
      queued: load.queued, running: load.running, workers: active.count,
      totalSlots: active.reduce(0) { $0 + $1.slots }, recentTaskDuration: load.recentTaskDuration)
  }
  func workersToClose(_ count: Int) async -> [String] { await scheduler.workersToClose(count) }
  func retire(workers: [String]) async -> [String] { await scheduler.retire(workers: workers) }
}

/// Adaptive scaling with containers: queued work starts containers up to `maximum`,
/// an idle cluster goes back to `minimum`, and no task is lost on the way. (In the
/// serialized container suite, so that no two container tests run at once.)
extension ContainerClusterTests {
  @Test func queuedWorkStartsContainersAndIdleOnesAreRetired() async throws {
    try await ContainerHarness.withCluster(["runtime": "podman", "stop_grace": 5]) { cluster in
      let settings = AdaptSettings(
        minimum: 0, maximum: 3, interval: .milliseconds(500), waitCount: 2,
        targetDuration: .seconds(1))
      let requested = try cluster.backend.adapt(settings)
      #expect(requested == settings)
      let controller = AdaptiveController(
        scheduler: SchedulerScaling(scheduler: cluster.scheduler), backend: cluster.backend,
        settings: requested, clock: ContinuousClock(), logger: Logger(label: "test.adaptive"))
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await controller.run() }
        let handles = cluster.executor.submit(
          (0..<12).map { TaskSpec.shell("sh", ["-c", "sleep 1; echo \($0)"]) })
        var most = 0
        let watch = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < watch && handles.contains(where: { !$0.isFinished }) {
          most = max(most, (try? cluster.containers().count) ?? 0)
          try await Task.sleep(for: .milliseconds(250))
        }
        let results = try await cluster.executor.gather(handles)
        #expect(results.allSatisfy { $0.status == .succeeded }, "\(results)")
        #expect(
          results.map { String(decoding: $0.output, as: UTF8.self) } == (0..<12).map { "\($0)\n" })
        #expect(most >= 2, "the cluster never grew past \(most) containers")
        #expect(most <= 3)
        // Idle: back to the minimum, every container stopped and removed.
        let idle = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < idle {
          if let containers = try? cluster.containers(), containers.isEmpty { break }
          try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try cluster.containers().isEmpty)
        group.cancelAll()
      }
    }
  }
}
