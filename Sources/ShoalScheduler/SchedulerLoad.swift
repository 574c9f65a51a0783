/// What the scheduler is doing: the figures adaptive scaling reads.
public struct SchedulerLoad: Sendable, Codable, Equatable {
  /// Tasks waiting for a slot.
  public var queued: Int
  /// Tasks assigned to workers (running, or prefetched by a worker).
  public var running: Int
  /// Slots of all connected workers.
  public var totalSlots: Int
  /// Tasks finished since the scheduler started (any status but requeued).
  public var completed: Int
  /// Mean run time of recent tasks in seconds; nil before the first one finishes.
  public var recentTaskDuration: Double?
  /// Workers with nothing assigned that are not retiring or draining.
  public var idleWorkers: Int
  /// Connected clients.
  public var clients: Int
  /// Every connected worker.
  public var workers: [WorkerLoad]
  /// Run time of every finished task, summed, in seconds; nil from an older scheduler.
  public var computeSeconds: Double? = nil
  /// Each connected client's work; nil from an older scheduler.
  public var clientTasks: [ClientLoad]? = nil
  /// The queued tasks that need resources, by request (counted in `queued` too);
  /// nil or empty when none.
  public var resourceDemand: [ResourceDemand]? = nil

  /// A load.
  public init(
    queued: Int = 0, running: Int = 0, totalSlots: Int = 0, completed: Int = 0,
    recentTaskDuration: Double? = nil, idleWorkers: Int = 0, clients: Int = 0,
    workers: [WorkerLoad] = []
  ) {
    self.queued = queued
    self.running = running
    self.totalSlots = totalSlots
    self.completed = completed
    self.recentTaskDuration = recentTaskDuration
    self.idleWorkers = idleWorkers
    self.clients = clients
    self.workers = workers
  }
}

/// One worker as the scheduler sees it.
public struct WorkerLoad: Sendable, Codable, Equatable {
  /// The worker's name.
  public var name: String
  /// How many tasks it runs at once.
  public var slots: Int
  /// Tasks assigned to it.
  public var running: Int
  /// Being retired (no new tasks; told to exit once its tasks are done).
  public var retiring: Bool
  /// It announced a drain (no new tasks).
  public var draining: Bool
  /// Seconds since it last had nothing to do; nil while busy.
  public var idleSeconds: Double?
  /// Tasks it finished (any status) since it connected; nil from an older scheduler.
  public var completed: Int?
  /// Of those, the ones that did not succeed.
  public var failed: Int?
  /// Seconds since it connected.
  public var connectedSeconds: Double?
  /// What it offers (`cpu=2,gpu=1`; `cpu` defaults to its slots); nil from an older
  /// scheduler.
  public var resources: String? = nil

  /// A worker's load.
  public init(
    name: String, slots: Int, running: Int, retiring: Bool = false, draining: Bool = false,
    idleSeconds: Double? = nil, completed: Int? = nil, failed: Int? = nil,
    connectedSeconds: Double? = nil
  ) {
    self.name = name
    self.slots = slots
    self.running = running
    self.retiring = retiring
    self.draining = draining
    self.idleSeconds = idleSeconds
    self.completed = completed
    self.failed = failed
    self.connectedSeconds = connectedSeconds
  }
}

/// One client's work as the scheduler sees it: the dashboard's progress bars.
public struct ClientLoad: Sendable, Codable, Equatable {
  /// The client's name (from its hello).
  public var name: String
  /// Tasks it submitted since it connected.
  public var submitted: Int
  /// Of those, the ones still queued or running.
  public var pending: Int

  /// A client's load.
  public init(name: String, submitted: Int, pending: Int) {
    self.name = name
    self.submitted = submitted
    self.pending = pending
  }
}
