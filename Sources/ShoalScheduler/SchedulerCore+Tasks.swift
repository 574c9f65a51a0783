import NIOCore
import ShoalWire

extension SchedulerCore {
  func submit(_ envelopes: [ForwardedTask], from client: Peer) {
    tasks.reserveCapacity(tasks.count + envelopes.count)
    client.submittedTasks += envelopes.count
    let queuedBefore = client.queue.count
    for envelope in envelopes {
      guard envelope.id <= TaskID.clientMask else {
        reply(
          to: client, id: envelope.id,
          TaskResult(status: .rejected, message: "task id \(envelope.id) is over 2^40"))
        continue
      }
      let id = TaskID.make(client: client.id, task: envelope.id)
      guard tasks[id] == nil else {
        reply(
          to: client, id: envelope.id,
          TaskResult(status: .rejected, message: "task id \(envelope.id) is already in use"))
        continue
      }
      if let request = envelope.resources {
        // The rare path: a task that needs resources waits in a queue of its own.
        if let reason = unsatisfiable(request) {
          reply(to: client, id: envelope.id, TaskResult(status: .rejected, message: reason))
          continue
        }
        tasks[id] = TaskRecord(spec: envelope.spec, resources: request)
        client.liveTasks += 1
        enqueueResourceTask(id)
        continue
      }
      tasks[id] = TaskRecord(spec: envelope.spec)
      client.liveTasks += 1
      client.queue.append(id)
    }
    // Counted and put in the ring once per batch, not per task.
    enqueued(client.queue.count - queuedBefore, of: client)
    assignNeeded = true
    scheduleFlush()
  }

  func cancel(_ clientIDs: [UInt64], from client: Peer) {
    for clientID in clientIDs {
      let id = TaskID.make(client: client.id, task: clientID & TaskID.clientMask)
      guard let record = tasks[id], !record.orphaned else { continue }
      if let workerID = record.worker, let worker = peers[workerID] {
        // The worker answers with a `.cancelled` result (or the result, if it was done).
        worker.outCancels.append(id)
        markDirty(worker)
      } else {
        if let request = record.resources { leftResourceQueue(request) }
        forget(id)
        queuedCount -= 1
        reply(to: client, id: clientID, TaskResult(status: .cancelled, message: "cancelled"))
      }
    }
  }

  func finished(_ results: [ForwardedResult], by worker: Peer) {
    let now = NIODeadline.now()
    for envelope in results {
      guard worker.assigned.remove(envelope.id) != nil, let record = forget(envelope.id)
      else { continue }  // stale: cancelled and requeued, or never ours
      if record.resources != nil { release(record, from: worker) }
      completed += 1
      worker.finishedTasks += 1
      // The result's first byte is its status (0: succeeded); the rest stays unread.
      if envelope.result.getInteger(at: envelope.result.readerIndex, as: UInt8.self) != 0 {
        worker.failedTasks += 1
      }
      noteDuration(envelope.duration)
      if !record.orphaned, let client = peers[TaskID.client(envelope.id)] {
        // The worker's bytes go to the client as they are, under the client's id.
        var forwarded = envelope
        forwarded.id = TaskID.task(envelope.id)
        client.outResults.append(forwarded)
        markDirty(client)
      }
    }
    workerMayBeIdle(worker, now: now)
    assignNeeded = true
    scheduleFlush()
  }

  /// A piece of a running task's output goes to its client at once (before the task's
  /// result: `flush` writes `outOther` first). Output of a task no longer assigned to
  /// this worker, or whose client left, is dropped.
  func forwardOutput(_ output: TaskOutput, from worker: Peer) {
    guard worker.assigned.contains(output.id), let record = tasks[output.id], !record.orphaned,
      let client = peers[TaskID.client(output.id)]
    else { return }
    var forwarded = output
    forwarded.id = TaskID.task(output.id)
    client.outOther.append(.output(forwarded))
    markDirty(client)
  }

  func handBack(_ ids: [UInt64], by worker: Peer) {
    // Requeued at the front, in their original order, without counting a retry.
    for id in ids.reversed() {
      guard worker.assigned.remove(id) != nil, tasks[id] != nil else { continue }
      release(tasks[id]!, from: worker)
      tasks[id]!.worker = nil
      if tasks[id]!.orphaned || !requeue(id) { forget(id) }
    }
    workerMayBeIdle(worker, now: .now())
    assignNeeded = true
    scheduleFlush()
  }

  func drain(_ worker: Peer) {
    worker.draining = true
    logger.info("worker draining", metadata: ["name": "\(worker.name)"])
  }

  /// A worker disconnected or timed out: its tasks go back to the queue, or become
  /// `.lost` after the retry limit.
  func workerLost(_ worker: Peer) {
    workerOrder.removeAll { $0 == worker.id }
    if workersByName[worker.name] == worker.id { workersByName[worker.name] = nil }
    let lost = worker.assigned.sorted()
    worker.assigned.removeAll()
    if !lost.isEmpty || !worker.toldToRetire {
      logger.info(
        "worker left",
        metadata: ["name": "\(worker.name)", "tasks requeued or lost": "\(lost.count)"])
    }
    var requeued: [UInt64] = []
    for id in lost {
      guard var record = tasks[id] else { continue }
      record.worker = nil
      record.lostOn.append(worker.name)
      if record.orphaned {
        forget(id)
      } else if record.lostOn.count > configuration.retryLimit {
        forget(id)
        completed += 1
        let names = record.lostOn.map { "`\($0)`" }.joined(separator: ", ")
        let message =
          "worker lost: the task was running on \(names) when "
          + (record.lostOn.count == 1 ? "it" : "each") + " died or disconnected"
          + " (\(configuration.retryLimit) retries allowed)"
        if let client = peers[TaskID.client(id)] {
          reply(to: client, id: TaskID.task(id), TaskResult(status: .lost, message: message))
        }
      } else {
        tasks[id] = record
        requeued.append(id)
      }
    }
    for id in requeued.reversed() where !requeue(id) { forget(id) }
    for waiter in worker.retireWaiters { waiter.succeed(worker.name) }
    worker.retireWaiters.removeAll()
    assignNeeded = true
  }

  /// A client went away: its queued tasks are dropped, its running ones cancelled.
  func clientLeft(_ client: Peer) {
    var dropped = 0
    var cancelled = 0
    // Only a client with tasks left costs a pass over all tasks.
    for (id, record) in client.liveTasks > 0 ? tasks : [:] where TaskID.client(id) == client.id {
      if let workerID = record.worker, let worker = peers[workerID] {
        tasks[id]!.orphaned = true
        worker.outCancels.append(id)
        markDirty(worker)
        cancelled += 1
      } else {
        if let request = record.resources { leftResourceQueue(request) }
        tasks[id] = nil
        queuedCount -= 1
        dropped += 1
      }
    }
    dropQueue(of: client)
    logger.info(
      "client left",
      metadata: [
        "name": "\(client.name)", "queued dropped": "\(dropped)",
        "running cancelled": "\(cancelled)",
      ])
  }

  /// Removes a task's record and counts it off its client.
  @discardableResult
  func forget(_ id: UInt64) -> TaskRecord? {
    guard let record = tasks.removeValue(forKey: id) else { return nil }
    if !record.orphaned, let client = peers[TaskID.client(id)] { client.liveTasks -= 1 }
    return record
  }

  func reply(to client: Peer, id: UInt64, _ result: TaskResult) {
    client.outResults.append(ForwardedResult(id: id, encoding: result))
    markDirty(client)
  }

  private func noteDuration(_ duration: Double) {
    let slot = recentCount % recentDurations.count
    if recentCount >= recentDurations.count { recentSum -= recentDurations[slot] }
    recentDurations[slot] = duration
    recentSum += duration
    computeSeconds += duration
    recentCount += 1
  }

  var recentTaskDuration: Double? {
    recentCount == 0 ? nil : recentSum / Double(min(recentCount, recentDurations.count))
  }

  func workerMayBeIdle(_ worker: Peer, now: NIODeadline) {
    guard worker.assigned.isEmpty else { return }
    worker.idleSince = now
    if worker.retiring { finishRetirement(worker) }
  }

  // MARK: Assignment

  /// Hands queued tasks to workers: first one per free slot, then (while tasks are
  /// short) a few more per slot so that no worker waits a round trip for its next one,
  /// in refills of at least half the prefetch.
  func assign() {
    guard queuedCount > 0, !workerOrder.isEmpty else { return }
    if !resourceOrder.isEmpty {
      assignResourceTasks()
      if queuedCount == 0 { return }
    }
    let prefetch = prefetchDepth
    let depths = prefetch > 0 ? [1, 1 + prefetch] : [1]
    let count = workerOrder.count
    roundRobin = (roundRobin + 1) % count
    for depth in depths {
      for offset in 0..<count {
        guard let worker = peers[workerOrder[(roundRobin + offset) % count]], worker.acceptsTasks
        else { continue }
        let limit = worker.slots * depth
        // Ahead of its slots, a worker is topped up once it has run down half of what it
        // holds: one frame of many tasks, not one frame (and one wake-up) per result.
        if depth > 1, worker.assigned.count > worker.slots * (1 + prefetch / 2) { continue }
        var gave = false
        while worker.assigned.count < limit, let id = nextQueued() {
          tasks[id]!.worker = worker.id
          worker.assigned.insert(id)
          worker.outTasks.append(ForwardedTask(id: id, spec: tasks[id]!.spec))
          gave = true
        }
        if gave {
          worker.idleSince = nil
          markDirty(worker)
        }
        if queuedCount == 0 { return }
      }
    }
  }

  /// Extra tasks per slot a worker holds ahead: while recent tasks average under
  /// `prefetchBelow`, as many as fit in that much run time per slot (at least one,
  /// at most `prefetchPerSlot`). The work a worker holds ahead of a slot, and so the
  /// imbalance prefetching can cause at the end of a batch, stays under about
  /// `prefetchBelow` per slot.
  var prefetchDepth: Int {
    let most = configuration.prefetchPerSlot
    let window = configuration.prefetchBelow.seconds
    guard most > 0, let mean = recentTaskDuration, mean < window else { return 0 }
    // A tiny mean (1e-300 s) makes the ratio infinite: compare before converting.
    let perSlot = window / mean
    guard mean > 0, perSlot < Double(most) else { return most }
    return max(1, Int(perSlot))
  }
}
