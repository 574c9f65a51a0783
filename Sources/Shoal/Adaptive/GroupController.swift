import Logging
import ServiceLifecycle
import ShoalCore
import ShoalScheduler
import ShoalWire
import Synchronization

/// What the group controller needs from a scheduler: its whole load (workers by name,
/// queued tasks by resource request) besides retirement. `Scheduler` conforms.
public protocol GroupScalingScheduler: ScalingScheduler {
  /// The current load.
  func load() async -> SchedulerLoad
}

extension Scheduler: GroupScalingScheduler {}

/// The adaptive loop of a cluster with worker groups: every `interval` (the shortest
/// of the groups') it reads the scheduler's load, maps connected workers to their
/// group (by the names each group's backend reports), reconciles each group's planned
/// count with what its backend reports alive, asks the `GroupPolicy`, and applies each
/// group's decision to that group's backend: up through `scale(to:)`, down by retiring
/// the chosen idle workers through the scheduler and then stopping them. Each up/down
/// decision is one log line naming the group, the counts and the reason.
public final class GroupController<C: Clock>: Service, Sendable where C.Duration == Duration {
  struct State {
    var policy: GroupPolicy
    var planned: [String: Int]
    var manual: Set<String> = []
    var decisions: [GroupDecision] = []
  }

  private let scheduler: any GroupScalingScheduler
  /// The groups, in fill order.
  public let members: [GroupedBackend.Member]
  private let clock: C
  private let logger: Logger
  private let wallClock: @Sendable () -> Double
  private let scaleTimeout: Duration
  private let state: Mutex<State>
  private let observer = Mutex<(@Sendable (GroupDecision) -> Void)?>(nil)
  /// How many decisions are kept for `shoal ps`.
  public let keptDecisions = 20

  /// A controller over `members`, none started yet.
  public init(
    scheduler: any GroupScalingScheduler, members: [GroupedBackend.Member], clock: C,
    logger: Logger, scaleTimeout: Duration = .seconds(60),
    wallClock: @escaping @Sendable () -> Double = { WallClock.now() }
  ) {
    self.scheduler = scheduler
    self.members = members
    self.clock = clock
    self.logger = logger
    self.wallClock = wallClock
    self.scaleTimeout = scaleTimeout
    let shapes = members.map { member in
      GroupShape(
        name: member.group.name, priority: member.group.priority,
        slots: SlotsPerWorker.guess(member.group.backend.clusterKwargs),
        resources: member.group.resources, settings: member.settings,
        idleTimeout: member.group.idleTimeout.map(\.seconds))
    }
    state = Mutex(
      State(
        policy: GroupPolicy(shapes: shapes),
        planned: Dictionary(uniqueKeysWithValues: members.map { ($0.group.name, 0) })))
  }

  /// Called with every up/down decision (the event journal).
  public func observe(_ observer: (@Sendable (GroupDecision) -> Void)?) {
    self.observer.withLock { $0 = observer }
  }

  /// The worker shapes of the groups, by name (what the scheduler checks requests against).
  public var shapes: [String: ResourceSet] {
    state.withLock { state in
      Dictionary(uniqueKeysWithValues: state.policy.shapes.map { ($0.name, $0.resources) })
    }
  }

  /// Starts every group at its minimum.
  public func start() async throws {
    for member in members where member.settings.minimum > 0 {
      try await scale(member, to: member.settings.minimum)
    }
  }

  /// Ticks every interval until cancelled.
  public func run() async throws {
    let interval = members.map(\.settings.interval).min() ?? .seconds(1)
    while !Task.isCancelled {
      do {
        try await clock.sleep(for: interval)
      } catch {
        return
      }
      await tick()
    }
  }

  /// One round of decisions, applied (groups scaled by hand are left alone). Returns them.
  @discardableResult
  public func tick() async -> [GroupDecision] {
    let decisions = await decide(apply: true)
    for decision in decisions where decision.decision.action != .same {
      logger.info("\(decision)")
      observer.withLock { $0 }?(decision)
      await apply(decision)
    }
    return decisions
  }

  /// What the policy would decide now, and why, changing nothing (`shoal adapt --dry-run`).
  public func dryRun() async -> [GroupDecision] { await decide(apply: false) }

  private func decide(apply: Bool) async -> [GroupDecision] {
    let load = await scheduler.load()
    var states: [String: GroupState] = [:]
    var alive: [String: Int] = [:]
    for member in members {
      let statuses = await member.backend.workers()
      let names = Set(statuses.map(\.name))
      // A backend that reports no workers at all is not reconciled (it may not track them).
      if !statuses.isEmpty { alive[member.group.name] = statuses.count { !$0.state.isFinal } }
      let workers = load.workers.filter { names.contains($0.name) && !$0.draining }
      states[member.group.name] = GroupState(
        planned: 0,
        workers: workers.filter { !$0.retiring }.map {
          GroupWorker(
            name: $0.name, slots: $0.slots, running: $0.running, idleSeconds: $0.idleSeconds)
        })
    }
    let requests = (load.resourceDemand ?? []).map {
      GroupDemand.Request(resources: $0.resources, queued: $0.queued)
    }
    let plain = max(0, load.queued - requests.reduce(0) { $0 + $1.queued })
    let demand = GroupDemand(
      plainQueued: plain, requests: requests, recentTaskDuration: load.recentTaskDuration)
    let now = wallClock()
    return state.withLock { state in
      var policy = state.policy
      for member in members {
        let name = member.group.name
        // Reconcile: workers the backend no longer runs (exited, failed) are not planned.
        if let live = alive[name], live < state.planned[name] ?? 0, apply {
          logger.debug(
            "group \(name): backend reports \(live) workers alive, \(state.planned[name] ?? 0) planned"
          )
          state.planned[name] = live
        }
        states[name]?.planned = state.planned[name] ?? 0
        // Slots per worker learnt from the group's connected workers.
        if let slots = states[name]?.workers.first?.slots,
          var shape = policy.shapes.first(where: { $0.name == name }), shape.slots != slots
        {
          shape = GroupShape(
            name: shape.name, priority: shape.priority, slots: slots,
            resources: member.group.resources, settings: shape.settings,
            idleTimeout: shape.idleTimeout)
          policy.update(shape)
        }
      }
      let decisions = policy.decide(demand: demand, states: states, time: now)
        .filter { !state.manual.contains($0.group) }
      if apply {
        state.policy = policy
        for decision in decisions {
          if decision.decision.action != .same || state.decisions.last?.decision.action != .same {
            state.decisions.append(decision)
          }
        }
        if state.decisions.count > keptDecisions {
          state.decisions.removeFirst(state.decisions.count - keptDecisions)
        }
      }
      return decisions
    }
  }

  private func apply(_ decision: GroupDecision) async {
    guard let member = members.first(where: { $0.group.name == decision.group }) else { return }
    switch decision.decision.action {
    case .same:
      return
    case .up:
      do {
        try await scale(member, to: decision.decision.to)
      } catch {
        logger.error(
          "group \(decision.group): scale up to \(decision.decision.to) failed: \(error)")
      }
    case .down:
      await scaleDown(
        member, from: decision.decision.from, to: decision.decision.to,
        retire: decision.retire)
    }
  }

  private func scale(_ member: GroupedBackend.Member, to count: Int) async throws {
    let backend = member.backend
    try await Deadline.run(scaleTimeout, "scaling group `\(member.group.name)` to \(count)") {
      try await backend.scale(to: count)
    }
    state.withLock { $0.planned[member.group.name] = count }
  }

  /// Retires `retire` through the scheduler (their tasks finish), stops them, and
  /// lowers the backend's count for the rest (workers that never connected).
  private func scaleDown(
    _ member: GroupedBackend.Member, from: Int, to: Int, retire: [String]
  ) async {
    var closed = 0
    if !retire.isEmpty {
      let retired = await scheduler.retire(workers: retire)
      let backend = member.backend
      do {
        try await Deadline.run(scaleTimeout, "stopping workers \(retired)") {
          try await backend.stop(workers: retired)
        }
        closed = retired.count
      } catch {
        logger.error("group \(member.group.name): stopping \(retired) failed: \(error)")
      }
    }
    let planned = from - closed
    state.withLock { $0.planned[member.group.name] = planned }
    if planned > to {
      do {
        try await scale(member, to: to)
      } catch {
        logger.error("group \(member.group.name): scale down to \(to) failed: \(error)")
      }
    }
  }

  /// Sets group `name` to `count` workers by hand (`shoal scale NAME N --group G`):
  /// adaptive scaling stops for that group, the others go on.
  public func scale(group name: String, to count: Int) async throws {
    guard let member = members.first(where: { $0.group.name == name }) else {
      throw ShoalError(
        .invalidValue,
        "no worker group `\(name)`" + Suggestion.didYouMean(name, in: members.map(\.group.name)),
        hint: "groups: " + members.map(\.group.name).joined(separator: ", "))
    }
    let current = state.withLock { state in
      state.manual.insert(name)
      return state.planned[name] ?? 0
    }
    let decision = GroupDecision(
      group: name,
      decision: ScalingDecision(
        action: count > current ? .up : count < current ? .down : .same, from: current,
        to: count, target: count, reason: "requested by hand; adaptive scaling off for the group",
        time: wallClock()))
    logger.info("\(decision)")
    state.withLock { $0.decisions.append(decision) }
    if count >= current {
      try await scale(member, to: count)
      return
    }
    let load = await scheduler.load()
    let names = Set(await member.backend.workers().map(\.name))
    let idleFirst = load.workers.filter { names.contains($0.name) && !$0.retiring }
      .sorted { ($0.running, -($0.idleSeconds ?? 0)) < ($1.running, -($1.idleSeconds ?? 0)) }
    await scaleDown(
      member, from: current, to: count,
      retire: Array(idleFirst.prefix(current - count).map(\.name)))
  }

  /// Turns adaptive scaling back on for every group (`shoal adapt`).
  public func resume() { state.withLock { $0.manual.removeAll() } }

  /// Turns adaptive scaling off for every group (the cluster is closing).
  public func pause() {
    let names = members.map(\.group.name)
    state.withLock { $0.manual = Set(names) }
  }

  /// Workers asked of each group's backend.
  public var planned: [String: Int] { state.withLock { $0.planned } }

  /// Groups scaled by hand (adaptive scaling off for them).
  public var manualGroups: Set<String> { state.withLock { $0.manual } }

  /// The last decisions, oldest first.
  public var recentDecisions: [GroupDecision] { state.withLock { $0.decisions } }
}
