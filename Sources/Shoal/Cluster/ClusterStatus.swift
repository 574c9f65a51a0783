import ShoalCore
import ShoalScheduler

/// One cluster as `shoal ps` shows it.
public struct ClusterStatus: Codable, Sendable {
  /// One worker: the backend's view joined with the scheduler's.
  public struct Worker: Codable, Sendable, Hashable {
    /// The worker's name.
    public var name: String
    /// The backend's state (`running`, `launching`, `failed: ...`), or `connected`
    /// for a worker the scheduler knows and the backend does not list.
    public var state: String
    /// Slots (threads); 0 until it connected.
    public var slots: Int
    /// Tasks assigned to it.
    public var running: Int
    /// Whether it is being retired.
    public var retiring: Bool
    /// Restarts after unexpected exits.
    public var restarts: Int
    /// Where it runs (pid, host, container).
    public var location: String?
    /// Tasks it finished since it connected (any status).
    public var completed: Int?
    /// Of those, the ones that did not succeed.
    public var failed: Int?
    /// Seconds since it connected to the scheduler.
    public var uptimeSeconds: Double?
    /// CPU and memory of its process and its tasks, for a worker that is a local
    /// process (`pid N`); nil for workers elsewhere (SSH hosts, containers).
    public var usage: ProcessUsage?
    /// Its worker group, in a cluster with `groups:`.
    public var group: String? = nil
    /// What it offers (`cpu=1,gpu=1`), once connected.
    public var resources: String? = nil

    /// The pid of a local worker process (`location` is `pid N`).
    public var pid: Int32? {
      guard let location, location.hasPrefix("pid ") else { return nil }
      return Int32(location.dropFirst(4))
    }
  }

  /// The adaptive loop's state.
  public struct Adaptive: Codable, Sendable {
    /// Whether it is applying decisions (a manual scale turns it off).
    public var enabled: Bool
    /// The bounds.
    public var minimum: Int
    /// The upper bound; nil is none.
    public var maximum: Int?
    /// The target at the last tick.
    public var target: Int?
    /// The workers asked of the backend.
    public var planned: Int
    /// The last decisions, oldest first.
    public var decisions: [ScalingDecision]
  }

  /// The cluster's name.
  public var name: String
  /// `running`, `starting`, `closing`, `dead` (its process is gone) or
  /// `unresponsive` (its process is alive but did not answer).
  public var state: String
  /// This run's id.
  public var clusterID: String?
  /// The backend class.
  public var clusterClass: String?
  /// The scheduler address.
  public var address: String?
  /// The owning process.
  public var pid: Int32?
  /// Tasks waiting.
  public var queued: Int
  /// Tasks running.
  public var running: Int
  /// Tasks finished.
  public var completed: Int
  /// Slots of connected workers.
  public var totalSlots: Int
  /// Workers.
  public var workers: [Worker]
  /// Adaptive scaling, when on or configured.
  public var adaptive: Adaptive?
  /// A note (why it is dead, what to do).
  public var note: String?
  /// Its dashboard's URL; nil when it has none.
  public var dashboard: String? = nil
  /// Whether it is a temporary cluster (started for one command, closed after it).
  public var temporary: Bool? = nil
  /// For a temporary cluster: the command that owns it.
  public var command: String? = nil
  /// The worker groups, in fill order, for a cluster with `groups:`.
  public var groups: [GroupStatus]? = nil
  /// What the policy would decide now (`shoal adapt NAME --dry-run`), nothing applied.
  public var dryRun: [GroupDecision]? = nil

  /// A status with no load (for dead or unresponsive clusters).
  public init(name: String, state: String, record: ClusterRecord?, note: String?) {
    self.name = name
    self.state = state
    clusterID = record?.clusterID
    clusterClass = record?.clusterClass
    address = record?.address
    pid = record?.pid
    queued = 0
    running = 0
    completed = 0
    totalSlots = 0
    workers = []
    adaptive = nil
    self.note = note
    dashboard = record?.dashboard
    temporary = record?.temporary
    command = record?.command
  }

  /// Joins the backend's workers with the scheduler's load.
  static func workers(backend: [WorkerStatus], load: SchedulerLoad) -> [Worker] {
    var rows: [Worker] = []
    var seen = Set<String>()
    for status in backend {
      let connected = load.workers.first { $0.name == status.name }
      seen.insert(status.name)
      rows.append(
        Worker(
          name: status.name, state: "\(status.state)", slots: connected?.slots ?? 0,
          running: connected?.running ?? 0, retiring: connected?.retiring ?? false,
          restarts: status.restarts, location: status.location, completed: connected?.completed,
          failed: connected?.failed, uptimeSeconds: connected?.connectedSeconds))
      rows[rows.count - 1].resources = connected?.resources
    }
    for worker in load.workers where !seen.contains(worker.name) {
      rows.append(
        Worker(
          name: worker.name, state: "connected", slots: worker.slots, running: worker.running,
          retiring: worker.retiring, restarts: 0, location: nil, completed: worker.completed,
          failed: worker.failed, uptimeSeconds: worker.connectedSeconds))
      rows[rows.count - 1].resources = worker.resources
    }
    return rows
  }
}
