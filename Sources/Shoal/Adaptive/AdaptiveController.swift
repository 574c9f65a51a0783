import Logging
import ServiceLifecycle
import ShoalCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// What the adaptive loop needs from a scheduler: its load, which workers to close,
/// and retirement (no new tasks; running ones finish first). `Scheduler` conforms.
public protocol ScalingScheduler: Sendable {
  /// The current load.
  func adaptiveLoad() async -> AdaptiveLoad
  /// Up to `count` workers to close, idle ones first.
  func workersToClose(_ count: Int) async -> [String]
  /// Retires the workers: no new tasks, running ones finish; returns those retired.
  func retire(workers: [String]) async -> [String]
}

/// The adaptive loop: every `interval` it reads the scheduler's load, asks the
/// `AdaptivePolicy` for a decision, and applies it through the backend's scale
/// interface. Scale-up calls `backend.scale(to:)` at once; scale-down picks workers
/// with `scheduler.workersToClose` (idle first), retires them through the scheduler
/// (their running tasks finish; nothing is lost or run twice) and only then calls
/// `backend.stop(workers:)`. Every up/down decision is logged with its reason; the
/// last ones are kept for `shoal ps`.
public final class AdaptiveController<C: Clock>: Service, Sendable where C.Duration == Duration {
  struct State {
    var policy: AdaptivePolicy
    var planned: Int
    var decisions: [ScalingDecision] = []
    var enabled = true
  }

  private let scheduler: any ScalingScheduler
  private let backend: any ClusterBackend
  private let clock: C
  private let logger: Logger
  private let wallClock: @Sendable () -> Double
  private let scaleTimeout: Duration
  private let state: Mutex<State>
  private let observer = Mutex<(@Sendable (ScalingDecision, Bool) -> Void)?>(nil)
  /// How many decisions are kept for `shoal ps`.
  public let keptDecisions = 20

  /// A controller over `backend`, starting from `planned` workers.
  public init(
    scheduler: any ScalingScheduler, backend: any ClusterBackend, settings: AdaptSettings,
    slotsPerWorker: Int = 1, planned: Int = 0, clock: C, logger: Logger,
    scaleTimeout: Duration = .seconds(60),
    wallClock: @escaping @Sendable () -> Double = { WallClock.now() }
  ) {
    self.scaleTimeout = scaleTimeout
    self.scheduler = scheduler
    self.backend = backend
    self.clock = clock
    self.logger = logger
    self.wallClock = wallClock
    self.state = Mutex(
      State(
        policy: AdaptivePolicy(settings: settings, slotsPerWorker: slotsPerWorker),
        planned: planned))
  }

  /// Called with every decision (each tick's, and `manual` for `scale(to:)`): the
  /// cluster's event journal and the dashboard's counters.
  public func observe(_ observer: (@Sendable (ScalingDecision, _ manual: Bool) -> Void)?) {
    self.observer.withLock { $0 = observer }
  }

  /// Ticks every `settings.interval` until cancelled.
  public func run() async throws {
    while !Task.isCancelled {
      let interval = state.withLock { $0.policy.settings.interval }
      do {
        try await clock.sleep(for: interval)
      } catch {
        return
      }
      if state.withLock({ $0.enabled }) {
        await tick()
      }
    }
  }

  /// One decision, applied. Returns it.
  @discardableResult
  public func tick() async -> ScalingDecision {
    let load = await scheduler.adaptiveLoad()
    // Reconcile the plan with the backend: workers that exited or failed (and are not
    // being restarted) are no longer planned, so the policy starts new ones. A backend
    // that reports no workers at all is taken at its word of the plan.
    let statuses = await backend.workers()
    if !statuses.isEmpty {
      let live = statuses.count { !$0.state.isFinal }
      state.withLock { state in
        if live < state.planned {
          logger.info("backend reports \(live) workers alive of \(state.planned) planned")
          state.planned = live
        }
      }
    }
    let now = wallClock()
    let decision = state.withLock { state in
      state.policy.decide(load: load, current: state.planned, time: now)
    }
    record(decision)
    switch decision.action {
    case .same:
      break
    case .up:
      logger.info("\(decision)")
      do {
        try await scaleBackend(to: decision.to)
        state.withLock { $0.planned = decision.to }
      } catch is CancellationError {
      } catch {
        logger.error("scale up to \(decision.to) failed: \(error)")
      }
    case .down:
      logger.info("\(decision)")
      let closed = await scaleDown(by: decision.from - decision.to)
      state.withLock { $0.planned = max(0, $0.planned - closed) }
    }
    return decision
  }

  /// What the policy would decide now, changing nothing (`shoal adapt --dry-run`).
  public func dryRun() async -> ScalingDecision {
    let load = await scheduler.adaptiveLoad()
    let now = wallClock()
    return state.withLock { state in
      var policy = state.policy
      return policy.decide(load: load, current: state.planned, time: now)
    }
  }

  /// Sets the number of workers by hand (`shoal scale`): turns adaptive scaling off,
  /// as Dask's `cluster.scale` does, then scales up through the backend or down
  /// through the scheduler (retire, then stop). Returns the new count.
  @discardableResult
  public func scale(to count: Int) async throws -> Int {
    let current = state.withLock { state in
      state.enabled = false
      return state.planned
    }
    let decision = ScalingDecision(
      action: count > current ? .up : count < current ? .down : .same, from: current, to: count,
      target: count, reason: "requested by hand; adaptive scaling off", time: wallClock())
    record(decision, manual: true)
    if decision.action != .same { logger.info("\(decision)") }
    if count > current {
      try await scaleBackend(to: count)
      state.withLock { $0.planned = count }
    } else if count < current {
      let closed = await scaleDown(by: current - count)
      state.withLock { $0.planned = max(0, $0.planned - closed) }
    }
    return state.withLock { $0.planned }
  }

  private func record(_ decision: ScalingDecision, manual: Bool = false) {
    observer.withLock { $0 }?(decision, manual)
    state.withLock { state in
      if decision.action != .same || state.decisions.last?.action != .same
        || state.decisions.last?.target != decision.target
      {
        state.decisions.append(decision)
      }
      if state.decisions.count > keptDecisions {
        state.decisions.removeFirst(state.decisions.count - keptDecisions)
      }
    }
  }

  private func scaleBackend(to count: Int) async throws {
    let backend = self.backend
    try await Deadline.run(scaleTimeout, "scaling the backend to \(count) workers") {
      try await backend.scale(to: count)
    }
  }

  /// Retires `count` workers (idle first) and stops them; returns how many went.
  /// Planned workers that never connected are stopped through `backend.scale(to:)`.
  func scaleDown(by count: Int) async -> Int {
    guard count > 0 else { return 0 }
    let candidates = await scheduler.workersToClose(count)
    var closed = 0
    if !candidates.isEmpty {
      let retired = await scheduler.retire(workers: candidates)
      let backend = self.backend
      do {
        try await Deadline.run(scaleTimeout, "stopping workers \(retired)") {
          try await backend.stop(workers: retired)
        }
        closed += retired.count
      } catch is CancellationError {
        return closed
      } catch {
        logger.error("stopping retired workers \(retired) failed: \(error)")
      }
    }
    let connected = await scheduler.adaptiveLoad().workers
    let planned = state.withLock { $0.planned } - closed
    let missing = planned - connected
    if closed < count && missing > 0 {
      // Launched but never connected (still starting, or failed): nothing to retire.
      let extra = min(missing, count - closed)
      do {
        try await scaleBackend(to: planned - extra)
        closed += extra
      } catch {
        logger.error("scale down to \(planned - extra) failed: \(error)")
      }
    }
    return closed
  }

  /// Records that the backend was asked for `count` workers outside the loop.
  public func setPlanned(_ count: Int) { state.withLock { $0.planned = count } }

  /// The target at the last tick.
  public var lastTarget: Int? { state.withLock { $0.decisions.last?.target } }

  /// The number of workers the controller has asked the backend for.
  public var planned: Int { state.withLock { $0.planned } }

  /// The settings in force.
  public var settings: AdaptSettings { state.withLock { $0.policy.settings } }

  /// The last decisions, oldest first (runs of unchanged `same` decisions kept once).
  public var recentDecisions: [ScalingDecision] { state.withLock { $0.decisions } }

  /// Whether the loop applies decisions (a manual `scale` turns it off, as in Dask).
  public var isEnabled: Bool { state.withLock { $0.enabled } }

  /// New bounds (`shoal adapt NAME --minimum A --maximum B`); turns the loop on.
  public func update(settings: AdaptSettings) {
    state.withLock { state in
      state.policy = AdaptivePolicy(
        settings: settings, slotsPerWorker: state.policy.slotsPerWorker)
      state.enabled = true
    }
  }

  /// Turns the loop off (`shoal scale`), recording the new plan.
  public func disable(planned: Int) {
    state.withLock {
      $0.enabled = false
      $0.planned = planned
    }
  }
}

/// Seconds since 1970.
public enum WallClock {
  /// The current time.
  public static func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
  }
}
