import Foundation
import ShoalCore
import ShoalScheduler

extension ClusterRuntime {
  /// Sets the number of workers by hand; turns adaptive scaling off (as Dask does).
  public func scale(to count: Int) async throws {
    guard count >= 0 else {
      throw ShoalError(.invalidValue, "cannot scale to \(count) workers; give 0 or more")
    }
    if let groupController {
      let names = groupController.members.map(\.group.name)
      throw ShoalError(
        .invalidValue,
        "cluster `\(spec.name)` has worker groups (\(names.joined(separator: ", "))); scale one"
          + " of them",
        hint: "shoal scale \(spec.name) \(count) --group \(names.first ?? "GROUP")")
    }
    events.append(
      ClusterEvent(
        kind: .scaleRequest, message: "scale to \(count) workers requested; adaptive scaling off",
        target: count))
    try await controller.scale(to: count)
  }

  /// New adaptive bounds (`shoal adapt`); the backend clamps or refuses them as it
  /// does for `adapt_kwargs`. Returns the settings in force.
  @discardableResult
  public func adapt(minimum: Int, maximum: Int?) throws -> AdaptSettings {
    if let maximum, minimum > maximum {
      throw ShoalError(
        .invalidValue, "minimum (\(minimum)) is greater than maximum (\(maximum))",
        hint: "give a minimum at most the maximum")
    }
    guard minimum >= 0 else {
      throw ShoalError(.invalidValue, "minimum must be 0 or more, found \(minimum)")
    }
    var requested = adaptSettings ?? AdaptSettings()
    requested.minimum = minimum
    requested.maximum = maximum
    let accepted = try backend.adapt(requested)
    if accepted.maximum != maximum {
      logger.warning(
        "the backend lowered the adaptive maximum from \(maximum.map(String.init) ?? "none") to \(accepted.maximum.map(String.init) ?? "none")"
      )
    }
    controller.update(settings: accepted)
    groupController?.resume()
    events.append(
      ClusterEvent(
        kind: .scaleRequest,
        message:
          "adaptive bounds \(accepted.minimum)..\(accepted.maximum.map(String.init) ?? "none") requested"
      ))
    return accepted
  }

  /// The cluster as `shoal ps` shows it.
  public func status() async -> ClusterStatus {
    let load = await scheduler.load()
    let endpoint = readiness.current
    var status = ClusterStatus(
      name: spec.name, state: phase.withLock { $0 }, record: nil, note: nil)
    status.clusterID = clusterID
    status.clusterClass = spec.clusterClass
    status.address = endpoint?.address
    status.pid = getpid()
    status.queued = load.queued
    status.running = load.running
    status.completed = load.completed
    status.totalSlots = load.totalSlots
    status.workers = ClusterStatus.workers(backend: await backend.workers(), load: load)
    let usage = await ProcessUsage.sample(status.workers.compactMap(\.pid))
    for index in status.workers.indices {
      if let pid = status.workers[index].pid { status.workers[index].usage = usage[pid] }
    }
    status.groups = await groupStatuses(workers: &status.workers)
    status.dashboard = dashboard
    if !options.recorded {
      status.temporary = true
      status.command = options.command
    }
    if let groupController, let adaptSettings {
      status.adaptive = groupAdaptive(groupController, settings: adaptSettings)
    } else if adaptSettings != nil || controller.isEnabled || !controller.recentDecisions.isEmpty {
      let settings = controller.settings
      status.adaptive = ClusterStatus.Adaptive(
        enabled: controller.isEnabled, minimum: settings.minimum, maximum: settings.maximum,
        target: controller.lastTarget, planned: controller.planned,
        decisions: controller.recentDecisions)
    }
    return status
  }
}

/// Answers a detached cluster's control commands (`shoal ps`, `scale`, `adapt`,
/// `down`) on behalf of its runtime. Every answer is JSON under `cluster`.
///
/// | command | arguments | does |
/// | --- | --- | --- |
/// | `cluster` | | the `ClusterStatus` |
/// | `scale` | `n`, `group` (optional) | `ClusterRuntime.scale(to:)`, `scale(group:to:)` |
/// | `adapt` | `minimum`, `maximum` (absent: none); or `dry_run=true` | `ClusterRuntime.adapt`; the status with `dryRun` |
/// | `down` | | `ClusterRuntime.close()`; answers at once |
struct ClusterControl: ControlHandler {
  let runtime: ClusterRuntime

  func handle(command: String, arguments: [String: String]) async throws -> [String: String] {
    switch command {
    case "cluster":
      break
    case "scale":
      guard let text = arguments["n"], let count = Int(text),
        KwargsRange.workers.contains(count)
      else {
        throw ShoalError(
          .invalidValue,
          "scale needs `n`, a number of workers \(KwargsRange.describe(KwargsRange.workers))")
      }
      if let group = arguments["group"] {
        try await runtime.scale(group: group, to: count)
      } else {
        try await runtime.scale(to: count)
      }
    case "adapt":
      if arguments["dry_run"] == "true" {
        var status = await runtime.status()
        status.dryRun = await runtime.dryRun()
        let data = try JSONEncoder().encode(status)
        return ["cluster": String(decoding: data, as: UTF8.self)]
      }
      let range = KwargsRange.describe(KwargsRange.workers)
      guard let minimum = Int(arguments["minimum"] ?? "0"), KwargsRange.workers.contains(minimum)
      else {
        throw ShoalError(.invalidValue, "adapt: minimum must be a number of workers \(range)")
      }
      let maximum = try arguments["maximum"].map { text -> Int in
        guard let value = Int(text), KwargsRange.workers.contains(value) else {
          throw ShoalError(.invalidValue, "adapt: maximum must be a number of workers \(range)")
        }
        return value
      }
      try runtime.adapt(minimum: minimum, maximum: maximum)
    case "down":
      runtime.close()
      return ["closing": "true"]
    default:
      throw ShoalError(
        .invalidValue,
        "unknown control command `\(command)`"
          + Suggestion.didYouMean(command, in: ["cluster", "scale", "adapt", "down"]))
    }
    let status = await runtime.status()
    let data = try JSONEncoder().encode(status)
    return ["cluster": String(decoding: data, as: UTF8.self)]
  }
}
