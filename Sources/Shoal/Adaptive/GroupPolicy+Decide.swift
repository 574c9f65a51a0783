import ShoalCore
import ShoalWire

/// Adaptive scaling of a cluster of worker groups, as a pure function of the queued
/// work and each group's workers: no I/O, no clock of its own.
///
/// - **Packing.** Running tasks keep the slots they hold. Queued tasks that need
///   resources are placed first, request by request: only on groups whose worker
///   shape covers the request, a worker of the group holding as many of them as fit
///   its resources and slots. Plain tasks then go on any group. Each group is filled
///   in priority order (lower number first) up to its `maximum`, then the next; what
///   fits nowhere waits. As in `AdaptivePolicy`, a queued task counts for
///   min(1, mean task duration / `target_duration`) of a slot (0.5 s before any
///   finished), so short tasks ask for fewer workers than there are tasks.
/// - **Target** per group: the workers its placed slots need, clamped to
///   [`minimum`, `maximum`].
/// - **Up** at once. **Down** after `wait_count` consecutive lower targets, retiring
///   only idle workers (idle at least `idle_timeout` when the group sets one), and
///   workers launched that never connected; above `maximum` at once.
public struct GroupPolicy: Sendable {
  /// The groups, in fill order.
  public private(set) var shapes: [GroupShape]
  /// Task duration assumed before any task finished.
  public var unknownTaskDuration: Double
  /// Consecutive lower targets per group.
  public private(set) var lowerCounts: [String: Int] = [:]

  /// A policy over `shapes` (sorted here by priority, then as given).
  public init(shapes: [GroupShape], unknownTaskDuration: Double = 0.5) {
    self.shapes = shapes.enumerated().sorted {
      ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset)
    }.map(\.element)
    self.unknownTaskDuration = unknownTaskDuration
  }

  /// Replaces one group's shape (new bounds, or slots learnt from its workers).
  public mutating func update(_ shape: GroupShape) {
    guard let index = shapes.firstIndex(where: { $0.name == shape.name }) else { return }
    shapes[index] = shape
  }

  /// The target of every group, with the reason, for `demand` and the groups' `states`.
  public func targets(demand: GroupDemand, states: [String: GroupState])
    -> [(group: String, workers: Int, reason: String)]
  {
    let duration =
      demand.recentTaskDuration.flatMap(AdaptivePolicy.seconds) ?? unknownTaskDuration
    var slotsNeeded = [Double](repeating: 0, count: shapes.count)
    var notes = [[String]](repeating: [], count: shapes.count)
    for (index, shape) in shapes.enumerated() {
      let used = (states[shape.name]?.workers ?? []).reduce(0) {
        $0 + min(max($1.running, 0), max($1.slots, 0))
      }
      slotsNeeded[index] = Double(used)
      if used > 0 { notes[index].append("\(used) slots busy") }
    }
    var waiting: [String] = []
    func place(_ count: Int, request: ResourceSet, label: String) {
      var remaining = Double(min(max(count, 0), AdaptivePolicy.largestCount))
      guard remaining > 0 else { return }
      for (index, shape) in shapes.enumerated() {
        let fit = shape.fit(request)
        guard fit > 0, remaining > 0 else { continue }
        let target = max(AdaptivePolicy.seconds(shape.settings.targetDuration.seconds) ?? 5, 0.001)
        let weight = min(1, duration / target)
        // Slots one queued task takes in this group: a worker holds `fit` of them.
        let cost = Double(shape.slots) / Double(fit) * weight
        let capacity = shape.settings.maximum.map { Double($0 * shape.slots) } ?? .infinity
        let room = max(0, capacity - slotsNeeded[index])
        let taken = cost > 0 ? min(remaining, room / cost) : remaining
        guard taken > 0 else { continue }
        slotsNeeded[index] += taken * cost
        remaining -= taken
        let whole = Int(taken.rounded(.up))
        notes[index].append(
          "\(whole) queued \(label)" + (fit > 1 && !request.isEmpty ? " (\(fit) per worker)" : ""))
      }
      if remaining >= 0.5 {
        waiting.append("\(Int(remaining.rounded())) \(label)")
      }
    }
    for request in demand.requests {
      place(request.queued, request: request.resources, label: "`\(request.resources)`")
    }
    place(demand.plainQueued, request: ResourceSet(), label: "plain")
    return shapes.enumerated().map { index, shape in
      let raw = Int(min((slotsNeeded[index] / Double(shape.slots) - 1e-9).rounded(.up), 1e12))
      let workers = max(raw, 0)
      let clamped = shape.settings.clamp(workers)
      var reason = notes[index].isEmpty ? "nothing to do" : notes[index].joined(separator: ", ")
      reason += " -> \(workers) workers of \(shape.slots) slots"
      if clamped > workers {
        reason += " (raised to minimum \(shape.settings.minimum))"
      } else if clamped < workers {
        reason += " (capped at maximum \(shape.settings.maximum ?? clamped))"
      }
      if !waiting.isEmpty && index == shapes.count - 1 {
        reason +=
          "; waiting, every group that fits at its maximum: "
          + waiting.joined(separator: ", ")
      }
      return (shape.name, clamped, reason)
    }
  }

  /// This tick's decision for every group. Updates the scale-down counts; `time`
  /// only stamps the decisions.
  public mutating func decide(
    demand: GroupDemand, states: [String: GroupState], time: Double
  ) -> [GroupDecision] {
    let targets = targets(demand: demand, states: states)
    var decisions: [GroupDecision] = []
    for (shape, target) in zip(shapes, targets) {
      let state = states[shape.name] ?? GroupState(planned: 0)
      let current = max(0, state.planned)
      decisions.append(
        decideOne(
          shape, target: target.workers, reason: target.reason, state: state,
          current: current, time: time))
    }
    return decisions
  }

  private mutating func decideOne(
    _ shape: GroupShape, target: Int, reason: String, state: GroupState, current: Int,
    time: Double
  ) -> GroupDecision {
    func decision(_ action: ScalingDecision.Action, to: Int, _ why: String) -> GroupDecision {
      GroupDecision(
        group: shape.name,
        decision: ScalingDecision(
          action: action, from: current, to: to, target: target, reason: why, time: time))
    }
    if target > current {
      lowerCounts[shape.name] = 0
      return decision(.up, to: target, reason)
    }
    if target == current {
      lowerCounts[shape.name] = 0
      return decision(.same, to: current, reason)
    }
    let aboveMaximum = shape.settings.maximum.map { current > $0 } ?? false
    var count = aboveMaximum ? 0 : (lowerCounts[shape.name] ?? 0) + 1
    if !aboveMaximum && count < shape.settings.waitCount {
      lowerCounts[shape.name] = count
      return decision(
        .same, to: current,
        reason + "; waiting (\(count)/\(shape.settings.waitCount) lower targets)")
    }
    // Idle workers (long enough), longest idle first; then workers never connected.
    let idle = state.workers.filter { worker in
      guard !worker.retiring, worker.running == 0, let seconds = worker.idleSeconds else {
        return false
      }
      return seconds >= (shape.idleTimeout ?? 0)
    }.sorted { ($0.idleSeconds ?? 0) > ($1.idleSeconds ?? 0) }
    let unconnected = max(0, current - state.workers.count)
    let wanted = current - target
    let retire = Array(idle.prefix(wanted).map(\.name))
    let fromUnconnected = min(unconnected, wanted - retire.count)
    count = retire.count + fromUnconnected
    guard count > 0 else {
      lowerCounts[shape.name] = shape.settings.waitCount
      let idleNote =
        shape.idleTimeout.map { "idle for \(AdaptivePolicy.format($0)) s" } ?? "idle"
      return decision(.same, to: current, reason + "; no worker \(idleNote) to retire yet")
    }
    lowerCounts[shape.name] = 0
    var result = decision(
      .down, to: current - count,
      reason
        + (aboveMaximum
          ? "; above the maximum" : " (\(shape.settings.waitCount) consecutive lower targets)"))
    result.retire = retire
    return result
  }
}
