import NIOCore

// Fair queuing across clients.
//
// Each client has its own FIFO of queued task ids (`Peer.queue`); the clients that
// have queued tasks wait in a ring (`SchedulerCore.readyClients`). Each free slot
// takes the next task of the client at the front of the ring, and that client moves
// to the back: round-robin, one task per client per turn. A client's own tasks keep
// the order they were submitted in (tasks given back or requeued after a lost worker
// go back to the front of their client's queue). With one client the ring is never
// rotated, so the common case costs what a single FIFO did.

extension SchedulerCore {
  /// Queues `id` (a task of `client`) at the back of its client's queue, or at the
  /// front for a task that goes back (handed back, or its worker lost).
  func enqueue(_ id: UInt64, of client: Peer, atFront: Bool = false) {
    if atFront { client.queue.prepend(id) } else { client.queue.append(id) }
    enqueued(1, of: client)
  }

  /// Counts `count` ids just put in `client`'s queue and puts the client in the ring.
  func enqueued(_ count: Int, of client: Peer) {
    guard count > 0 else { return }
    queuedCount += count
    if !client.inReadyRing {
      client.inReadyRing = true
      readyClients.append(client)
      ringSize += 1
    }
  }

  /// Requeues `id` at the front of its client's queue; false when the client is gone.
  func requeue(_ id: UInt64) -> Bool {
    guard let client = peers[TaskID.client(id)] else { return false }
    if tasks[id]?.resources != nil {
      enqueueResourceTask(id, atFront: true)
      return true
    }
    enqueue(id, of: client, atFront: true)
    return true
  }

  /// The next task to hand out: the first live task of the client at the front of the
  /// ring, which then moves to the back. Skips ids cancelled or dropped while queued.
  ///
  /// On the hot path: `ringSize` stands in for `readyClients.count`, and with one
  /// client the ring is not touched (a debug build pays for every generic call).
  func nextQueued() -> UInt64? {
    while let client = readyClients.first {
      if ringSize > 1 && frontWasServed {
        // It was served while alone in the ring; clients that came since go first.
        frontWasServed = false
        readyClients.removeFirst()
        readyClients.append(client)
        continue
      }
      while let id = client.queue.popFirst() {
        guard let record = tasks[id], record.worker == nil else { continue }
        queuedCount -= 1
        if client.queue.isEmpty {
          leaveRing(client)
        } else if ringSize > 1 {
          readyClients.removeFirst()
          readyClients.append(client)
          frontWasServed = false
        } else if !frontWasServed {
          // Alone: no rotation (a single client costs what one FIFO did).
          frontWasServed = true
        }
        return id
      }
      leaveRing(client)
    }
    return nil
  }

  /// Takes the client at the front of the ring out of it.
  private func leaveRing(_ client: Peer) {
    client.inReadyRing = false
    readyClients.removeFirst()
    ringSize -= 1
    frontWasServed = false
  }

  /// Forgets a departed client's queue (its records are already gone).
  func dropQueue(of client: Peer) {
    client.queue.removeAll()
    // Its ring entry, if any, is skipped by `nextQueued` (its queue is empty).
  }
}
