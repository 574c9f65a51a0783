import Foundation
import NIOCore
import ShoalWire

/// A control request waiting for the embedding process's `ControlHandler`.
struct PendingControlRequest: Sendable {
  let request: ControlRequest
  /// Completed with the response on the scheduler's loop.
  let respond: @Sendable (ControlResponse) -> Void
}

extension SchedulerCore {
  // MARK: Retirement

  /// Marks the named workers retiring; the future of each completes with its name once
  /// it has no tasks left and was told to exit (or nil for an unknown name).
  func retire(_ names: [String]) -> [EventLoopFuture<String?>] {
    names.map { name in
      guard let worker = workersByName[name].flatMap({ peers[$0] }) else {
        return loop.makeSucceededFuture(nil)
      }
      let promise = loop.makePromise(of: String?.self)
      worker.retireWaiters.append(promise)
      if !worker.retiring {
        worker.retiring = true
        logger.info(
          "retiring worker", metadata: ["name": "\(name)", "running": "\(worker.assigned.count)"])
      }
      if worker.assigned.isEmpty { finishRetirement(worker) }
      return promise.futureResult
    }
  }

  func finishRetirement(_ worker: Peer) {
    if !worker.toldToRetire {
      worker.toldToRetire = true
      worker.outOther.append(.retire)
      markDirty(worker)
    }
    for waiter in worker.retireWaiters { waiter.succeed(worker.name) }
    worker.retireWaiters.removeAll()
  }

  /// Names of `count` workers to close: idle ones first (longest idle first), then the
  /// ones with the fewest tasks. Workers already retiring are not offered.
  func workersToClose(_ count: Int) -> [String] {
    let candidates = workerOrder.compactMap { peers[$0] }.filter { !$0.retiring && !$0.closing }
    let sorted = candidates.sorted { a, b in
      switch (a.idleSince, b.idleSince) {
      case (let x?, let y?): return x < y
      case (_?, nil): return true
      case (nil, _?): return false
      case (nil, nil): return a.assigned.count < b.assigned.count
      }
    }
    return sorted.prefix(max(0, count)).map(\.name)
  }

  // MARK: Load

  func load() -> SchedulerLoad {
    let now = NIODeadline.now()
    var load = SchedulerLoad(
      queued: queuedCount, completed: completed, recentTaskDuration: recentTaskDuration,
      clients: peers.values.count { $0.isClient })
    load.computeSeconds = computeSeconds
    if !resourceDemand.isEmpty { load.resourceDemand = queuedResourceDemand() }
    load.clientTasks = peers.values.filter(\.isClient).sorted { $0.id < $1.id }.map {
      ClientLoad(name: $0.name, submitted: $0.submittedTasks, pending: $0.liveTasks)
    }
    for worker in workerOrder.compactMap({ peers[$0] }) {
      load.running += worker.assigned.count
      load.totalSlots += worker.slots
      let idle = worker.assigned.isEmpty && !worker.retiring && !worker.draining
      if idle { load.idleWorkers += 1 }
      load.workers.append(
        WorkerLoad(
          name: worker.name, slots: worker.slots, running: worker.assigned.count,
          retiring: worker.retiring, draining: worker.draining,
          idleSeconds: worker.assigned.isEmpty
            ? worker.idleSince.map { Double((now - $0).nanoseconds) / 1e9 } : nil,
          completed: worker.finishedTasks, failed: worker.failedTasks,
          connectedSeconds: Double((now - worker.connectedAt).nanoseconds) / 1e9))
      load.workers[load.workers.count - 1].resources = worker.resources.description
    }
    return load
  }

  // MARK: Heartbeats

  /// Sends every peer a heartbeat and closes the ones silent past their limit (which
  /// also catches a frame that stalled half-way: nothing complete arrives behind it).
  func checkHeartbeats() {
    releaseMemoryIfIdle()
    let now = NIODeadline.now()
    let handshakeLimit = TimeAmount.nanoseconds(
      Int64(configuration.handshakeTimeout.seconds * 1e9))
    let heartbeatLimit = TimeAmount.nanoseconds(
      Int64(configuration.heartbeatTimeout.seconds * 1e9))
    for peer in Array(peers.values) where !peer.closing {
      if peer.heard {
        peer.heard = false
        peer.lastHeard = now
      }
      if peer.role == nil {
        if now - peer.connectedAt > handshakeLimit {
          close(
            peer, reason: "timeout",
            message: "no complete hello within \(configuration.handshakeTimeout)")
        }
      } else if now - peer.lastHeard > heartbeatLimit {
        close(
          peer, reason: "timeout",
          message: "nothing heard for \(configuration.heartbeatTimeout) (heartbeat timeout)")
      } else {
        peer.outOther.append(.heartbeat)
        markDirty(peer)
      }
    }
  }

  // MARK: Control

  func control(_ request: ControlRequest, from peer: Peer) {
    if request.command == "status" {
      var fields: [String: String] = [:]
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      if let data = try? encoder.encode(load()) {
        fields["load"] = String(decoding: data, as: UTF8.self)
      }
      peer.outOther.append(.controlResponse(ControlResponse(id: request.id, fields: fields)))
      markDirty(peer)
      return
    }
    let peerID = peer.id
    let bound = NIOLoopBound(self, eventLoop: loop)
    let loop = self.loop
    controlRequests.yield(
      PendingControlRequest(request: request) { response in
        loop.execute {
          let core = bound.value
          guard let peer = core.peers[peerID] else { return }
          peer.outOther.append(.controlResponse(response))
          core.markDirty(peer)
        }
      })
  }

  // MARK: Shutdown

  func shutdown() {
    shuttingDown = true
    heartbeatTask?.cancel()
    heartbeatTask = nil
    for peer in Array(peers.values) {
      close(peer, reason: "shutdown", message: "the scheduler is shutting down")
    }
  }
}
