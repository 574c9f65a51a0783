import Logging
import ShoalCore
import ShoalPluginHost
import ShoalWire

extension ClusterRuntime {
  /// Makes every group's backend (validating its `cluster_kwargs`) and hands it the
  /// group's adapt settings; starts nothing.
  static func makeMembers(
    _ spec: ClusterSpec, loader: PluginLoader, logger: Logger
  ) throws -> [GroupedBackend.Member] {
    let members = try spec.workerGroups.map { group in
      let check = ShoalConfig.checkBackend(group.backend, loader: loader)
      if let error = check.error { throw error }
      guard let resolved = check.resolved else {
        throw ShoalError(
          .backendFailed, "cannot resolve `\(group.backend.clusterClass ?? "?")`",
          keyPath: group.keyPath)
      }
      let backend = try resolved.make(group.backend.clusterKwargs)
      let requested = group.backend.adapt ?? AdaptSettings()
      let accepted = try backend.adapt(requested)
      if accepted.maximum != requested.maximum {
        logger.warning(
          "group `\(group.name)` of `\(spec.name)`: \(group.backend.clusterClass ?? "the backend") lowered the maximum from \(requested.maximum.map(String.init) ?? "none") to \(accepted.maximum.map(String.init) ?? "none") (its capacity)"
        )
      }
      return GroupedBackend.Member(group: group, backend: backend, settings: accepted)
    }
    _ = try GroupedBackend.binding(of: members, cluster: spec.name)
    return members
  }

  /// The bounds of a grouped cluster as a whole: the sums of the groups'.
  static func totalSettings(_ members: [GroupedBackend.Member]) -> AdaptSettings {
    var total = AdaptSettings()
    total.minimum = members.reduce(0) { $0 + $1.settings.minimum }
    total.maximum =
      members.contains { $0.settings.maximum == nil }
      ? nil : members.reduce(0) { $0 + ($1.settings.maximum ?? 0) }
    total.interval = members.map(\.settings.interval).min() ?? total.interval
    return total
  }

  /// The worker shape of a cluster without groups: no resource but `cpu` (any
  /// amount: its slots per worker may not be known before a worker connects), so
  /// that a task asking for `gpu` there fails at once.
  var singleShape: [String: ResourceSet] {
    var shape = ResourceSet()
    shape.set("cpu", milli: ResourceSet.maxAmount * 1000)
    return [WorkerGroupSpec.defaultName: shape]
  }
}

extension ClusterRuntime {
  /// Sets group `name` to `count` workers by hand (`shoal scale NAME N --group G`);
  /// adaptive scaling stops for that group only.
  public func scale(group name: String, to count: Int) async throws {
    guard let groupController else {
      guard name == WorkerGroupSpec.defaultName else {
        throw ShoalError(
          .invalidValue, "cluster `\(spec.name)` has no worker group `\(name)`",
          hint: "it declares no `groups:`; its one group is `default`, or leave out --group")
      }
      try await scale(to: count)
      return
    }
    events.append(
      ClusterEvent(
        kind: .scaleRequest,
        message: "scale group \(name) to \(count) workers requested; adaptive scaling off for it",
        target: count))
    try await groupController.scale(group: name, to: count)
  }

  /// What the adaptive policy would decide now, and why, changing nothing. Throws when
  /// the scheduler cannot report its load.
  public func dryRun() async throws -> [GroupDecision] {
    if let groupController { return try await groupController.dryRun() }
    return [
      GroupDecision(group: WorkerGroupSpec.defaultName, decision: try await controller.dryRun())
    ]
  }

  /// The adaptive state of a grouped cluster as a whole: on unless every group was
  /// scaled by hand; the groups' summed bounds and plans; their decisions, each reason
  /// prefixed with its group.
  func groupAdaptive(_ groupController: GroupController<ContinuousClock>, settings: AdaptSettings)
    -> ClusterStatus.Adaptive
  {
    let decisions = groupController.recentDecisions.map { decision in
      var scaling = decision.decision
      scaling.reason = "group \(decision.group): " + scaling.reason
      return scaling
    }
    return ClusterStatus.Adaptive(
      enabled: groupController.manualGroups.count < groupController.members.count,
      minimum: settings.minimum, maximum: settings.maximum, target: nil,
      planned: groupController.planned.values.reduce(0, +), decisions: decisions)
  }

  /// The groups as `shoal ps` shows them; `workers` gets each worker's group.
  func groupStatuses(workers: inout [ClusterStatus.Worker]) async -> [GroupStatus]? {
    guard let groupController else { return nil }
    let planned = groupController.planned
    let manual = groupController.manualGroups
    let decisions = groupController.recentDecisions
    var groups: [GroupStatus] = []
    for member in groupController.members {
      let names = Set(await member.backend.workers().map(\.name))
      var connected = 0
      for index in workers.indices where names.contains(workers[index].name) {
        workers[index].group = member.group.name
        if workers[index].slots > 0 { connected += 1 }
      }
      var resources = member.group.resources
      if resources.amount("cpu") == nil {
        resources.set(
          "cpu", milli: Int64(SlotsPerWorker.guess(member.group.backend.clusterKwargs)) * 1000)
      }
      groups.append(
        GroupStatus(
          name: member.group.name, priority: member.group.priority,
          clusterClass: member.group.backend.clusterClass ?? "", resources: resources.description,
          minimum: member.settings.minimum, maximum: member.settings.maximum,
          planned: planned[member.group.name] ?? 0, connected: connected,
          adaptive: !manual.contains(member.group.name),
          lastDecision: decisions.last {
            $0.group == member.group.name && $0.decision.action != .same
          }
          .map { "\($0.decision)" }))
    }
    return groups
  }
}
