import ShoalScheduler

extension Scheduler: ScalingScheduler {
  /// The load figures the adaptive policy reads (retiring workers left out); throws
  /// `SchedulerStopped` once the scheduler has stopped.
  public func adaptiveLoad() async throws -> AdaptiveLoad {
    AdaptiveLoad(load: try await load())
  }
}

extension AdaptiveLoad {
  /// The policy's view of a scheduler load: workers being retired no longer count.
  public init(load: SchedulerLoad) {
    let active = load.workers.filter { !$0.retiring && !$0.draining }
    self.init(
      queued: load.queued, running: load.running, workers: active.count,
      totalSlots: active.reduce(0) { $0 + $1.slots },
      recentTaskDuration: load.recentTaskDuration)
  }
}
