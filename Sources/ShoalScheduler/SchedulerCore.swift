import Logging
import NIOCore
import ShoalWire

/// Everything the scheduler knows, confined to its one event loop: no locks on the
/// hot path. Handlers call in on the loop; the public `Scheduler` API hops onto it.
final class SchedulerCore {
  let configuration: SchedulerConfiguration
  let logger: Logger
  let loop: any EventLoop

  var peers: [UInt64: Peer] = [:]
  var nextPeerID: UInt64 = 1
  /// Connected workers in a stable order (round-robin start rotates).
  var workerOrder: [UInt64] = []
  var workersByName: [String: UInt64] = [:]
  var roundRobin = 0

  var tasks: [UInt64: TaskRecord] = [:]
  /// Clients with queued tasks, in round-robin order (see SchedulerCore+Queues.swift).
  var readyClients = CircularBuffer<Peer>(initialCapacity: 16)
  /// `readyClients.count`, kept by hand (read once per task).
  var ringSize = 0
  /// The client at the front of the ring was served last (while it was alone there).
  var frontWasServed = false
  var queuedCount = 0
  /// Queued tasks that need resources, in order (see SchedulerCore+Resources.swift).
  var resourceQueues: [ResourceSet: CircularBuffer<UInt64>] = [:]
  /// The requests with a queue in `resourceQueues`, oldest first.
  var resourceOrder: [ResourceSet] = []
  /// The queued resource tasks counted by request (stale queue entries left out).
  var resourceDemand: [ResourceSet: Int] = [:]
  /// The worker shapes (resources) of the cluster's groups, by group; nil when not
  /// known, and then no request is refused as unsatisfiable.
  var workerShapes: [String: ResourceSet]?
  var completed = 0
  /// Run time of every finished task, summed (`shoal_tasks_compute_seconds_total`).
  var computeSeconds = 0.0
  var recentDurations = [Double](repeating: 0, count: 64)
  var recentCount = 0
  var recentSum = 0.0

  /// Connections that have not said hello: how many, and the oldest first (entries
  /// that said hello or closed are dropped lazily; see ConnectionGuard.swift).
  var pendingCount = 0
  let pendingLimit: Int
  var pending = CircularBuffer<Peer>(initialCapacity: 64)
  /// Rate limit for warnings about connections without a hello.
  var warnings = WarningLimiter()

  var dirtyPeers: [Peer] = []
  var flushScheduled = false
  var assignNeeded = false
  var shuttingDown = false
  var heartbeatTask: RepeatedTask?
  let controlRequests: AsyncStream<PendingControlRequest>.Continuation

  init(
    configuration: SchedulerConfiguration, logger: Logger, loop: any EventLoop,
    controlRequests: AsyncStream<PendingControlRequest>.Continuation
  ) {
    self.configuration = configuration
    self.logger = logger
    self.loop = loop
    self.controlRequests = controlRequests
    pendingLimit = configuration.effectivePendingLimit
  }

  // MARK: Connections

  func connected(_ context: ChannelHandlerContext) -> Peer {
    let peer = Peer(id: nextPeerID, context: context, now: .now())
    nextPeerID += 1
    peers[peer.id] = peer
    notePending(peer)
    return peer
  }

  /// Refuses or closes `peer` with a message it can show, then closes the connection.
  func close(_ peer: Peer, reason: String, message: String) {
    guard !peer.closing else { return }
    peer.closing = true
    let level: Logger.Level = reason == "shutdown" || reason == "replaced" ? .info : .warning
    let metadata: Logger.Metadata = [
      "peer": "\(peer.label)", "remote": "\(peer.remote)", "reason": "\(reason)",
      "message": "\(message)",
    ]
    if level == .warning && peer.role == nil {
      // Anyone can open connections: their warnings are rate-limited.
      warnings.warn(logger, "closing connection", now: .now(), metadata: metadata)
    } else {
      logger.log(level: level, "closing connection", metadata: metadata)
    }
    let context = peer.context
    context.writeAndFlush(
      NIOAny(SchedulerOutbound.message(.refused(Refusal(reason: reason, message: message)))),
      promise: nil)
    context.close(promise: nil)
  }

  func disconnected(_ peer: Peer) {
    peer.closing = true
    pendingEnded(peer)
    peers[peer.id] = nil
    switch peer.role {
    case .worker?: workerLost(peer)
    case .client?: clientLeft(peer)
    default: break
    }
    scheduleFlush()
  }

  func received(_ inbound: SchedulerInbound, from peer: Peer) {
    guard !peer.closing else { return }
    peer.heard = true
    let message: Message
    switch inbound {
    case .message(let decoded): message = decoded
    case .submit(let tasks):
      guard peer.role == .client else { return refuse(MessageType.submit, from: peer) }
      return submit(tasks, from: peer)
    case .results(let results):
      guard peer.role == .worker else { return refuse(MessageType.results, from: peer) }
      return finished(results, by: peer)
    }
    guard let role = peer.role else {
      handshake(message, from: peer)
      return
    }
    switch (message, role) {
    case (.heartbeat, _): break
    case (.cancel(let ids), .client): cancel(ids, from: peer)
    case (.handBack(let ids), .worker): handBack(ids, by: peer)
    case (.output(let output), .worker): forwardOutput(output, from: peer)
    case (.drain, .worker): drain(peer)
    case (.controlRequest(let request), .control): control(request, from: peer)
    default:
      refuse(message.typeByte, from: peer)
    }
  }

  /// Closes `peer` for a message its role may not send (or anything but a hello first).
  private func refuse(_ type: UInt8, from peer: Peer) {
    guard let role = peer.role else {
      close(peer, reason: "protocol", message: "the first message must be a hello")
      return
    }
    close(
      peer, reason: "protocol",
      message: "a \(role) may not send message type 0x\(String(type, radix: 16))")
  }

  func protocolError(_ error: any Error, from peer: Peer) {
    if let error = error as? WireError {
      let reason = error.code == .frameTooLarge ? "frame_too_large" : "protocol"
      let hint =
        peer.role == nil ? " (is this a Shoal peer of the same version?)" : ""
      close(peer, reason: reason, message: error.message + hint)
    } else {
      logger.debug("connection error", metadata: ["peer": "\(peer.label)", "error": "\(error)"])
      peer.context.close(promise: nil)
    }
  }

  // MARK: Handshake

  private func handshake(_ message: Message, from peer: Peer) {
    guard case .hello(let hello) = message else {
      close(peer, reason: "protocol", message: "the first message must be a hello")
      return
    }
    guard hello.version == WireProtocol.version else {
      close(
        peer, reason: "version",
        message:
          "protocol version \(hello.version) is not supported: this scheduler speaks version "
          + "\(WireProtocol.version); use shoal of the same release on both ends")
      return
    }
    guard tokensMatch(hello.token, configuration.token) else {
      close(
        peer, reason: "authentication",
        message: (hello.token.isEmpty ? "no token" : "wrong token")
          + "; pass the scheduler's token with --token-file FILE or $SHOAL_TOKEN")
      return
    }
    if let refusal = certificateRefusal(for: hello.role, from: peer) {
      close(peer, reason: "role", message: refusal)
      return
    }
    if hello.role == .worker {
      guard hello.slots > 0 else {
        close(peer, reason: "protocol", message: "a worker needs at least one slot")
        return
      }
      let name = hello.name.isEmpty ? "worker-\(peer.id)" : hello.name
      if let refusal = nameRefusal(for: name) {
        close(peer, reason: "name_in_use", message: refusal)
        return
      }
      peer.name = name
      peer.slots = Int(hello.slots)
      // `cpu` defaults to the worker's slots.
      var resources = hello.resources
      if resources.amount("cpu") == nil { resources.set("cpu", milli: Int64(hello.slots) * 1000) }
      peer.resources = resources
      peer.freeResources = resources
      peer.idleSince = .now()
      workersByName[name] = peer.id
      workerOrder.append(peer.id)
      assignNeeded = true
    } else {
      peer.name = hello.name.isEmpty ? "\(hello.role)-\(peer.id)" : hello.name
    }
    peer.role = hello.role
    pendingEnded(peer)
    // Control peers (`shoal ps`, `scale`, the dashboard's CLI) come and go often: debug.
    logger.log(
      level: hello.role == .control ? .debug : .info,
      "peer joined",
      metadata: [
        "role": "\(hello.role)", "name": "\(peer.name)", "slots": "\(hello.slots)",
        "remote": "\(peer.remote)",
      ])
    peer.outOther.append(
      .welcome(
        Welcome(
          name: peer.name,
          heartbeatIntervalMilliseconds: configuration.heartbeatInterval.milliseconds,
          heartbeatTimeoutMilliseconds: configuration.heartbeatTimeout.milliseconds,
          maxFrameSize: UInt32(clamping: configuration.maxFrameSize))))
    markDirty(peer)
  }

  // MARK: Flushing

  func markDirty(_ peer: Peer) {
    if !peer.dirty {
      peer.dirty = true
      dirtyPeers.append(peer)
    }
    scheduleFlush()
  }

  /// Runs `flush()` once after everything the loop is doing now: all reads of this
  /// loop iteration share one assignment pass and one write + flush per peer.
  func scheduleFlush() {
    guard !flushScheduled else { return }
    flushScheduled = true
    loop.assumeIsolated().execute { self.flush() }
  }

  func flush() {
    flushScheduled = false
    if assignNeeded {
      assignNeeded = false
      assign()
    }
    let dirty = dirtyPeers
    dirtyPeers.removeAll(keepingCapacity: true)
    for peer in dirty {
      peer.dirty = false
      guard !peer.closing else { continue }
      let context = peer.context
      for message in peer.outOther {
        context.write(NIOAny(SchedulerOutbound.message(message)), promise: nil)
      }
      peer.outOther.removeAll()
      if !peer.outCancels.isEmpty {
        context.write(NIOAny(SchedulerOutbound.message(.cancel(peer.outCancels))), promise: nil)
        peer.outCancels.removeAll()
      }
      if !peer.outTasks.isEmpty {
        for batch in wireBatches(peer.outTasks, size: { $0.spec.readableBytes + 8 }) {
          context.write(NIOAny(SchedulerOutbound.assign(batch)), promise: nil)
        }
        peer.outTasks.removeAll(keepingCapacity: true)
      }
      if !peer.outResults.isEmpty {
        for batch in wireBatches(peer.outResults, size: { $0.result.readableBytes + 8 }) {
          context.write(NIOAny(SchedulerOutbound.results(batch)), promise: nil)
        }
        peer.outResults.removeAll(keepingCapacity: true)
      }
      context.flush()
    }
  }
}
