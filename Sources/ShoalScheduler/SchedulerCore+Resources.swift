import NIOCore
import ShoalWire

// Tasks that need resources (`TaskSpec.resources`).
//
// They wait apart from the fair client queues, in one FIFO per distinct request
// (`resourceQueues`, the requests in order of arrival in `resourceOrder`), so that a
// task asking for nothing costs one `isEmpty` check more than it did. Each assignment
// pass first offers each request's tasks, in order, to the workers with a free slot
// whose free resources cover it (the worker's `freeResources` then drop by the request
// until the task ends); a request that fits no such worker now is passed over in one
// step, however many tasks it has queued. A task whose request no worker could ever
// cover (no group's worker shape, no connected worker) is rejected when submitted.

extension SchedulerCore {
  /// Queues resource task `id` (at the front of its request's queue for a task that
  /// goes back).
  func enqueueResourceTask(_ id: UInt64, atFront: Bool = false) {
    guard let request = tasks[id]?.resources else { return }
    if resourceQueues[request] == nil {
      resourceQueues[request] = CircularBuffer(initialCapacity: 16)
      resourceOrder.append(request)
    }
    if atFront {
      resourceQueues[request]!.prepend(id)
    } else {
      resourceQueues[request]!.append(id)
    }
    queuedCount += 1
    resourceDemand[request, default: 0] += 1
  }

  /// A queued task that needs `request` left the queue (assigned, cancelled, dropped).
  func leftResourceQueue(_ request: ResourceSet) {
    let left = (resourceDemand[request] ?? 1) - 1
    resourceDemand[request] = left > 0 ? left : nil
  }

  /// Why no worker could ever run a task that needs `request`, or nil when some could:
  /// a connected worker's resources, or a worker shape the cluster may start, cover it.
  /// With no shapes known (a scheduler started alone), any request may be met later.
  func unsatisfiable(_ request: ResourceSet) -> String? {
    guard let shapes = workerShapes else { return nil }
    for id in workerOrder {
      if let worker = peers[id], worker.resources.covers(request) { return nil }
    }
    if shapes.values.contains(where: { $0.covers(request) }) { return nil }
    let offered = shapes.keys.sorted().map { group in
      let shape = shapes[group]!
      return "\(group) {\(shape.description)}"
    }
    let missing = Set(shapes.values.flatMap { $0.shortfall(request) }).sorted()
    return "no worker can ever have resources \(request): "
      + (offered.isEmpty
        ? "the cluster has no worker groups"
        : "the worker groups offer " + offered.joined(separator: ", "))
      + " (short of " + missing.map { "`\($0)`" }.joined(separator: ", ") + ")"
      + "; add a group with these resources in clusters.yaml or ask for less"
  }

  /// Hands queued resource tasks to workers with a free slot and free resources.
  func assignResourceTasks() {
    var candidates: [Peer] = []
    for id in workerOrder {
      if let worker = peers[id], worker.acceptsTasks, worker.assigned.count < worker.slots {
        candidates.append(worker)
      }
    }
    var emptied = false
    for request in resourceOrder {
      guard !candidates.isEmpty else { break }
      while !candidates.isEmpty,
        let chosen = candidates.firstIndex(where: { $0.freeResources.covers(request) }),
        let id = resourceQueues[request]?.popFirst()
      {
        // Stale: cancelled, or its id reused by a task queued again under another entry.
        guard let record = tasks[id], record.worker == nil, record.resources == request else {
          continue
        }
        let worker = candidates[chosen]
        worker.freeResources.subtract(request)
        tasks[id]!.worker = worker.id
        worker.assigned.insert(id)
        worker.outTasks.append(ForwardedTask(id: id, spec: record.spec))
        worker.idleSince = nil
        queuedCount -= 1
        leftResourceQueue(request)
        markDirty(worker)
        if worker.assigned.count >= worker.slots { candidates.remove(at: chosen) }
      }
      if resourceQueues[request]?.isEmpty == true {
        resourceQueues[request] = nil
        emptied = true
      }
    }
    if emptied { resourceOrder.removeAll { resourceQueues[$0] == nil } }
  }

  /// A resource task left `worker` (finished, handed back): its resources are free again.
  func release(_ record: TaskRecord, from worker: Peer) {
    if let request = record.resources { worker.freeResources.add(request) }
  }

  /// Resource tasks queued now, counted by request (what adaptive scaling packs into
  /// worker shapes), in the order of their text. Kept as tasks enter and leave the
  /// queue, so that a tick costs the number of distinct requests, not of tasks.
  func queuedResourceDemand() -> [ResourceDemand] {
    resourceDemand.map { ResourceDemand(resources: $0.key, queued: $0.value) }
      .sorted { $0.request < $1.request }
  }
}

/// Queued tasks that need the same resources, and how many there are.
public struct ResourceDemand: Sendable, Codable, Equatable {
  /// The request, as text (`gpu=1`).
  public var request: String
  /// How many queued tasks ask for it.
  public var queued: Int

  /// The request, parsed back (empty if it no longer parses).
  public var resources: ResourceSet { (try? ResourceSet(parsing: request)) ?? ResourceSet() }

  /// A demand.
  public init(resources: ResourceSet, queued: Int) {
    self.request = resources.description
    self.queued = queued
  }
}
