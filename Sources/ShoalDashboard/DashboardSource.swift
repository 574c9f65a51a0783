import Foundation
import Shoal
import ShoalScheduler

/// Where a dashboard reads its cluster: a cluster process (`ClusterRuntime`) or a bare
/// scheduler (`shoal scheduler --dashboard`). Reads go through the scheduler's load
/// API, never through its hot path.
public protocol DashboardSource: Sendable {
  /// The cluster now (without CPU percentages: the sampler adds them).
  func snapshot() async -> DashboardSnapshot
  /// Totals for `/metrics`.
  var totals: ClusterCounters { get }
  /// The events kept in memory, oldest first.
  var recentEvents: [ClusterEvent] { get }
  /// Events from now on; nil when this source has none.
  func subscribe() -> AsyncStream<ClusterEvent>?
  /// The token that requests from off this machine must present.
  var token: String { get }
}

/// A cluster process's dashboard source.
public struct ClusterSource: DashboardSource {
  /// The cluster.
  public let cluster: ClusterRuntime

  /// A source reading `cluster`.
  public init(cluster: ClusterRuntime) { self.cluster = cluster }

  public func snapshot() async -> DashboardSnapshot {
    let status = await cluster.status()
    let load = await cluster.schedulerLoad()
    let backend = Dictionary(
      await cluster.backendWorkers().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var snapshot = DashboardSnapshot.from(load: load, cluster: status.name, state: status.state)
    snapshot.address = status.address
    snapshot.workers = status.workers.map { row in
      let connected = load.workers.first { $0.name == row.name }
      var worker = DashboardSnapshot.Worker.from(connected, name: row.name)
      worker.state = row.retiring ? "retiring" : row.state
      worker.slots = row.slots
      worker.running = row.running
      worker.location = row.location ?? backend[row.name]?.location
      return worker.withProcessStats()
    }
    if let adaptive = status.adaptive {
      snapshot.adaptive = DashboardSnapshot.Adaptive(
        enabled: adaptive.enabled, minimum: adaptive.minimum, maximum: adaptive.maximum,
        target: adaptive.target, planned: adaptive.planned)
    }
    return snapshot
  }

  public var totals: ClusterCounters { cluster.totals }
  public var recentEvents: [ClusterEvent] { cluster.events.recent }
  public func subscribe() -> AsyncStream<ClusterEvent>? { cluster.events.subscribe() }
  public var token: String { cluster.accessToken }
}

/// A bare scheduler's dashboard source (`shoal scheduler --dashboard`): workers as the
/// scheduler sees them, no backend, no adaptive loop.
public struct SchedulerSource: DashboardSource {
  /// The scheduler.
  public let scheduler: Scheduler
  /// The scheduler's name on the page.
  public let name: String

  /// A source reading `scheduler`.
  public init(scheduler: Scheduler, name: String = "scheduler") {
    self.scheduler = scheduler
    self.name = name
  }

  public func snapshot() async -> DashboardSnapshot {
    let load = await scheduler.load()
    var snapshot = DashboardSnapshot.from(load: load, cluster: name, state: "running")
    snapshot.address = try? await scheduler.listeningAddress()
    snapshot.workers = load.workers.map {
      var worker = DashboardSnapshot.Worker.from($0, name: $0.name)
      worker.state = $0.retiring ? "retiring" : $0.draining ? "draining" : "connected"
      return worker
    }
    return snapshot
  }

  public var totals: ClusterCounters { ClusterCounters() }
  public var recentEvents: [ClusterEvent] { [] }
  public func subscribe() -> AsyncStream<ClusterEvent>? { nil }
  public var token: String { scheduler.configuration.token }
}

extension DashboardSnapshot {
  static func from(load: SchedulerLoad, cluster: String, state: String) -> DashboardSnapshot {
    DashboardSnapshot(
      time: Date().timeIntervalSince1970, cluster: cluster, state: state, address: nil,
      queued: load.queued, running: load.running, completed: load.completed,
      failed: load.workers.reduce(0) { $0 + ($1.failed ?? 0) },
      computeSeconds: load.computeSeconds ?? 0, clients: load.clients,
      totalSlots: load.totalSlots, workers: [],
      clientWork: (load.clientTasks ?? []).map {
        Client(name: $0.name, submitted: $0.submitted, done: $0.submitted - $0.pending)
      },
      adaptive: nil)
  }
}

extension DashboardSnapshot.Worker {
  static func from(_ load: WorkerLoad?, name: String) -> Self {
    Self(
      name: name, state: "connected", slots: load?.slots ?? 0, running: load?.running ?? 0,
      completed: load?.completed ?? 0, failed: load?.failed ?? 0, location: nil,
      cpuPercent: nil, rssBytes: nil, threads: nil, uptimeSeconds: load?.connectedSeconds,
      cpuSeconds: nil)
  }

  /// Adds CPU time, threads, memory and age from /proc for a local worker.
  func withProcessStats() -> Self {
    guard let pid = ProcessStats.pid(fromLocation: location),
      let stats = ProcessStats.read(pid: pid)
    else { return self }
    var worker = self
    worker.cpuSeconds = stats.cpuSeconds
    worker.threads = stats.threads
    worker.rssBytes = stats.rssBytes
    worker.uptimeSeconds = worker.uptimeSeconds ?? stats.uptimeSeconds
    return worker
  }
}
