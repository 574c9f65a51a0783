import Foundation
import ShoalCore
import ShoalScheduler

/// Serves a cluster's dashboard (page, `/metrics`, live events) from the cluster
/// process. `ShoalDashboard` implements it; the `Shoal` library only knows this
/// protocol, so that a client never links an HTTP server.
public protocol ClusterDashboard: Sendable {
  /// Serves `cluster`'s dashboard on `setting` until cancelled. Calls `listening` once,
  /// with its URL when it listens or with the error why it cannot.
  func run(
    cluster: ClusterRuntime, setting: DashboardSetting,
    listening: @escaping @Sendable (Result<String, any Error>) -> Void
  ) async throws
}

extension ClusterRuntime {
  /// The dashboard's URL once it listens; nil when the cluster has none.
  public var dashboard: String? { dashboardURL.withLock { $0 } }

  /// The token that peers present, and that the dashboard asks of requests that do
  /// not come over loopback.
  public var accessToken: String { token }

  /// The scheduler's load (per-worker counters included). Throws `SchedulerStopped`
  /// once the scheduler has stopped.
  public func schedulerLoad() async throws -> SchedulerLoad { try await scheduler.load() }

  /// The backend's view of its workers (state, restarts, where they run).
  public func backendWorkers() async -> [WorkerStatus] { await backend.workers() }

  /// Totals since the cluster started: workers added and removed, adaptive decisions.
  public var totals: ClusterCounters { counters.withLock { $0 } }

  /// The adaptive decisions kept in memory, oldest first.
  public var recentDecisions: [ScalingDecision] { controller.recentDecisions }

  /// Starts the dashboard in `group` when there is one, and waits until it listens.
  func startDashboard(in group: inout ThrowingTaskGroup<Bool, any Error>) async throws {
    guard let server = options.dashboard, let setting = spec.dashboard else { return }
    let started = Readiness<String>()
    group.addTask {
      do {
        // Shielded: it keeps serving while a graceful shutdown retires the workers.
        try await ClusterRuntime.shielded {
          try await server.run(cluster: self, setting: setting) { started.resolve($0) }
        }
        started.resolve(.failure(CancellationError()))
        return true
      } catch {
        started.resolve(.failure(error))
        throw error
      }
    }
    let url = try await Deadline.run(spec.timeouts.start, "starting the dashboard") {
      try await started.value
    }
    dashboardURL.withLock { $0 = url }
    logger.info("dashboard of `\(spec.name)` at \(url)")
  }

  /// Turns what the scheduler and the backend report into events: workers joining,
  /// leaving and failing (with the end of their log). Polls; runs until cancelled.
  func watchWorkers(every interval: Duration = .milliseconds(500)) async throws {
    var connected: [String: Int] = [:]
    var seen: [String: (state: String, restarts: Int)] = [:]
    while true {
      let load = try await scheduler.load()
      let now = Dictionary(
        load.workers.map { ($0.name, $0.slots) }, uniquingKeysWith: { a, _ in a })
      let added = now.keys.count { connected[$0] == nil }
      let removed = connected.keys.count { now[$0] == nil }
      counters.withLock {
        $0.workersAdded += added
        $0.workersRemoved += removed
      }
      for name in now.keys.sorted() where connected[name] == nil {
        events.append(
          ClusterEvent(
            kind: .workerJoined, worker: name,
            message: "worker \(name) joined with \(now[name] ?? 0) slots"))
      }
      for name in connected.keys.sorted() where now[name] == nil {
        events.append(ClusterEvent(kind: .workerLeft, worker: name, message: "worker \(name) left"))
      }
      connected = now
      for status in await backend.workers() {
        let state = "\(status.state)"
        let previous = seen[status.name]
        let failedNow = status.state.isFailed && previous?.state != state
        let restarted = status.restarts > (previous?.restarts ?? 0)
        if failedNow || restarted {
          let what = failedNow ? state : "exited unexpectedly; restart \(status.restarts)"
          events.append(
            ClusterEvent(
              kind: .workerFailed, worker: status.name,
              message: "worker \(status.name) \(what)", detail: workerLog(status.name)?.tail))
        }
        seen[status.name] = (state, status.restarts)
      }
      try await Task.sleep(for: interval)
    }
  }

  /// Records a temporary cluster under `STATE/temporary/ID/`, so that `shoal ps` lists
  /// it while it runs (best effort: a temporary cluster works without it).
  func recordTemporary(_ endpoint: ClusterEndpoint) {
    let folder = options.stateFolder
    let directory = folder.temporary(clusterID)
    let tokenFile = directory + "/token"
    guard
      FileManager.default.createFile(
        atPath: tokenFile, contents: Data((token + "\n").utf8),
        attributes: [.posixPermissions: 0o600])
    else { return }
    let record = ClusterRecord(
      name: spec.name, clusterID: clusterID, address: endpoint.address, tokenFile: tokenFile,
      pid: getpid(), clusterClass: spec.clusterClass ?? "", configFile: options.configFile,
      detached: false, startedAt: WallClock.now(), tls: clientFiles.withLock { $0 },
      protection: credentials.summary, dashboard: dashboard, temporary: true,
      command: options.command)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try? encoder.encode(record).write(
      to: URL(fileURLWithPath: directory + "/cluster.json"), options: .atomic)
  }
}

extension ClusterEvent {
  /// The event of an adaptive decision that changed the number of workers.
  static func adaptive(_ decision: ScalingDecision) -> ClusterEvent {
    ClusterEvent(
      time: decision.time, kind: .adaptive, message: "\(decision)",
      direction: decision.action.rawValue, target: decision.to)
  }
}

extension StateFolder {
  /// The temporary clusters recorded while they run, whose process is still alive.
  public func temporaryRecords() -> [ClusterRecord] {
    let folder = root + "/temporary"
    let ids = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return ids.sorted().compactMap { id in
      guard let data = FileManager.default.contents(atPath: "\(folder)/\(id)/cluster.json"),
        let record = try? JSONDecoder().decode(ClusterRecord.self, from: data),
        kill(record.pid, 0) == 0 || errno == EPERM
      else { return nil }
      return record
    }
  }

  /// Removes a temporary cluster's record and token (its logs stay).
  public func removeTemporaryRecord(_ clusterID: String) {
    try? FileManager.default.removeItem(atPath: temporary(clusterID) + "/cluster.json")
    try? FileManager.default.removeItem(atPath: temporary(clusterID) + "/token")
  }

  /// The events file of the cluster `name` (its current or last run).
  public func eventsFile(_ name: String) -> String { cluster(name) + "/events.jsonl" }
}

/// Totals since a cluster started, for `/metrics`.
public struct ClusterCounters: Sendable, Hashable {
  /// Workers that connected.
  public var workersAdded = 0
  /// Workers that disconnected.
  public var workersRemoved = 0
  /// Adaptive decisions by direction (`up`, `down`, `same`), one per tick.
  public var decisions: [String: Int] = [:]

  /// No totals yet.
  public init() {}
}
