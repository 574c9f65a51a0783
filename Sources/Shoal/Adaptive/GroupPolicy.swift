import ShoalCore
import ShoalWire

/// One worker group as the policy sees it: its shape and bounds.
public struct GroupShape: Sendable, Hashable {
  /// The group's name.
  public var name: String
  /// Lower numbers fill first.
  public var priority: Int
  /// Tasks one worker runs at once.
  public var slots: Int
  /// What one worker offers (`cpu` included, defaulting to `slots`).
  public var resources: ResourceSet
  /// The group's bounds and pace (`adapt_kwargs`).
  public var settings: AdaptSettings
  /// Idle workers are retired only after this many seconds; nil: `wait_count` alone.
  public var idleTimeout: Double?

  /// A shape; `cpu` defaults to `slots`.
  public init(
    name: String, priority: Int = 0, slots: Int = 1, resources: ResourceSet = ResourceSet(),
    settings: AdaptSettings, idleTimeout: Double? = nil
  ) {
    self.name = name
    self.priority = priority
    self.slots = max(1, slots)
    var resources = resources
    if resources.amount("cpu") == nil { resources.set("cpu", milli: Int64(self.slots) * 1000) }
    self.resources = resources
    self.settings = settings
    self.idleTimeout = idleTimeout
  }

  /// How many tasks needing `request` one worker runs at once (0: none fit).
  public func fit(_ request: ResourceSet) -> Int {
    var count = slots
    for needed in request.entries where needed.milli > 0 {
      let have = resources.amount(needed.name) ?? 0
      count = min(count, Int(have / needed.milli))
    }
    return count
  }
}

/// A connected worker of a group.
public struct GroupWorker: Sendable, Hashable {
  /// Its name.
  public var name: String
  /// Its slots.
  public var slots: Int
  /// Tasks assigned to it.
  public var running: Int
  /// Seconds since it last had nothing to do; nil while busy.
  public var idleSeconds: Double?
  /// Being retired.
  public var retiring: Bool

  /// A worker.
  public init(
    name: String, slots: Int, running: Int, idleSeconds: Double? = nil, retiring: Bool = false
  ) {
    self.name = name
    self.slots = slots
    self.running = running
    self.idleSeconds = idleSeconds
    self.retiring = retiring
  }
}

/// A group's workers now: how many the backend was asked for, and those connected.
public struct GroupState: Sendable, Hashable {
  /// Workers asked of the backend (launching ones included).
  public var planned: Int
  /// Connected workers (not retiring ones).
  public var workers: [GroupWorker]

  /// A state.
  public init(planned: Int, workers: [GroupWorker] = []) {
    self.planned = planned
    self.workers = workers
  }
}

/// The queued work the policy places: plain tasks, and tasks by resource request.
public struct GroupDemand: Sendable, Hashable {
  /// Queued tasks that need only a slot.
  public var plainQueued: Int
  /// Queued tasks by request.
  public var requests: [Request]
  /// Mean duration of recent tasks in seconds; nil before any finished.
  public var recentTaskDuration: Double?

  /// Queued tasks that need the same resources.
  public struct Request: Sendable, Hashable {
    /// What each needs.
    public var resources: ResourceSet
    /// How many are queued.
    public var queued: Int

    /// A request.
    public init(resources: ResourceSet, queued: Int) {
      self.resources = resources
      self.queued = queued
    }
  }

  /// A demand.
  public init(plainQueued: Int, requests: [Request] = [], recentTaskDuration: Double? = nil) {
    self.plainQueued = plainQueued
    self.requests = requests
    self.recentTaskDuration = recentTaskDuration
  }
}

/// What the policy decides for one group: the decision, and for a scale-down the
/// idle workers to retire (longest idle first).
public struct GroupDecision: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The group.
  public var group: String
  /// Up, down or same, with the counts and the reason.
  public var decision: ScalingDecision
  /// Connected workers to retire for a scale-down; the rest of the decrease is
  /// workers launched that never connected.
  public var retire: [String]

  /// A decision.
  public init(group: String, decision: ScalingDecision, retire: [String] = []) {
    self.group = group
    self.decision = decision
    self.retire = retire
  }

  /// `group gpus: scale up 0 -> 2: REASON`.
  public var description: String { "group \(group): \(decision)" }
}
