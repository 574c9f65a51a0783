import Logging
import ShoalWire

/// The state of one session, changed only by `process`, one event at a time.
///
/// Contract with the scheduler (see `Message`): every assigned task gets exactly one
/// answer, a result or its id in a `handBack`. At most `slots` tasks run at once; the
/// rest wait in assignment order.
struct SessionState {
  let configuration: WorkerConfiguration
  let runner: TaskRunner
  let logger: Logger
  let outbox: Outbox
  let emit: AsyncStream<WorkerSession.Event>.Continuation
  let threads: TaskThreads
  /// Where shell tasks and built-ins run: the connection's event loop.
  let executor: EventLoopExecutor

  private let clock = ContinuousClock()
  private let started: ContinuousClock.Instant
  private var welcomed = false
  private var heartbeatInterval: Duration = .seconds(1)
  private var heartbeatTimeout: Duration = .seconds(10)
  private var lastReceived: ContinuousClock.Instant
  private var lastHeartbeat: ContinuousClock.Instant
  /// Assigned tasks not started yet, in order.
  private var queue: [TaskEnvelope] = []
  /// Running tasks and what cancels each.
  private var running: [UInt64: TaskCancellation] = [:]
  /// Running tasks already handed back (after the drain grace): their results are dropped.
  private var handedBack: Set<UInt64> = []
  /// A graceful shutdown started; set when the shutdown came before the session.
  private var shuttingDown: Bool
  private var drainDeadline: ContinuousClock.Instant?
  private var retiring = false
  /// Tasks that a signal killed while the worker was not draining, held back for
  /// `heldBackFor` (they stay in `running`): the same signal usually reaches the worker
  /// too (a batch job's scancel, a container stop). When the drain follows, they are
  /// handed back to run elsewhere; otherwise their result is sent when the time is up.
  private var heldBack: [UInt64: (result: TaskResult, until: ContinuousClock.Instant)] = [:]
  static let heldBackFor: Duration = .seconds(1)

  init(
    configuration: WorkerConfiguration, runner: TaskRunner, logger: Logger, outbox: Outbox,
    emit: AsyncStream<WorkerSession.Event>.Continuation, threads: TaskThreads,
    executor: EventLoopExecutor, shuttingDown: Bool
  ) {
    self.threads = threads
    self.executor = executor
    self.configuration = configuration
    self.runner = runner
    self.logger = logger
    self.outbox = outbox
    self.emit = emit
    self.shuttingDown = shuttingDown
    started = clock.now
    lastReceived = started
    lastHeartbeat = started
  }

  /// Handles events until the session ends.
  mutating func process(
    _ events: AsyncStream<WorkerSession.Event>
  ) async -> WorkerSession.Outcome {
    for await event in events {
      if let outcome = handle(event) { return outcome }
    }
    return .disconnected(reason: "the session ended", welcomed: welcomed)
  }

  private mutating func handle(_ event: WorkerSession.Event)
    -> WorkerSession.Outcome?
  {
    switch event {
    case .message(let message):
      lastReceived = clock.now
      return receive(message)
    case .finished(let id, let result):
      guard running[id] != nil else { return nil }
      if handedBack.remove(id) == nil {
        if SessionState.killedBySignal(result) {
          if !shuttingDown {
            heldBack[id] = (result, clock.now + SessionState.heldBackFor)
            return nil
          }
          logger.info(
            "a task was killed by a signal while draining: handing it back",
            metadata: ["task": "\(id)"])
          outbox.send(.handBack([id]))
        } else {
          // More results are on their way while other tasks run or wait here.
          outbox.send(
            .results([ResultEnvelope(id: id, result: result)]),
            moreComing: running.count > 1 || !queue.isEmpty)
        }
      }
      running.removeValue(forKey: id)
      startTasks()
      return finishedIfIdle()
    case .tick:
      let before = running.count
      if let outcome = tick() { return outcome }
      guard running.count < before else { return nil }
      // Held-back results were sent: their slots are free.
      startTasks()
      return finishedIfIdle()
    case .shutdown:
      return beginDrain()
    case .closed(let reason):
      return .disconnected(reason: reason, welcomed: welcomed)
    }
  }

  private mutating func receive(_ message: Message)
    -> WorkerSession.Outcome?
  {
    switch message {
    case .welcome(let welcome):
      welcomed = true
      heartbeatInterval = .milliseconds(max(10, welcome.heartbeatIntervalMilliseconds))
      heartbeatTimeout = .milliseconds(max(100, welcome.heartbeatTimeoutMilliseconds))
      logger.info(
        "connected",
        metadata: [
          "scheduler": "\(configuration.address)", "name": "\(welcome.name)",
          "slots": "\(configuration.slots)",
        ])
      if shuttingDown {
        shuttingDown = false
        return beginDrain()
      }
    case .refused(let refusal):
      // `replaced`: another process registered this worker's name. Reconnecting would
      // take the name back and the two would push each other out forever.
      return welcomed && refusal.reason != "replaced"
        ? .disconnected(reason: "the scheduler closed the connection: \(refusal)", welcomed: true)
        : .refused(refusal)
    case .assign(let tasks):
      if shuttingDown || retiring {
        outbox.send(.handBack(tasks.map(\.id)))
      } else {
        queue.append(contentsOf: tasks)
        startTasks()
      }
    case .cancel(let ids):
      cancel(Set(ids))
    case .retire:
      logger.info("retired by the scheduler", metadata: ["running": "\(running.count)"])
      retiring = true
      handBackQueue()
      return finishedIfIdle()
    case .heartbeat:
      break
    default:
      logger.warning(
        "ignoring a message a worker does not expect", metadata: ["message": "\(message)"])
    }
    return nil
  }

  private mutating func startTasks() {
    guard !shuttingDown, !retiring else { return }
    let free = configuration.slots - running.count
    guard free > 0, !queue.isEmpty else { return }
    let starting = queue.prefix(free)
    queue.removeFirst(starting.count)
    for envelope in starting {
      let cancellation = TaskCancellation()
      running[envelope.id] = cancellation
      let runner = self.runner
      let emit = self.emit
      // Code the worker does not control (user Swift tasks) runs on the task threads;
      // shell tasks and built-ins only await, and stay on the session's event loop.
      let executor: any TaskExecutor =
        SessionState.mayBlock(envelope.spec) ? threads : self.executor
      // Only a client that asked for it gets the output as it comes: `map` pays nothing.
      var onOutput: ShellTaskRunner.OutputHandler?
      if envelope.spec.streamsOutput {
        let outbox = self.outbox
        let id = envelope.id
        onOutput = { @Sendable stream, bytes in
          outbox.send(.output(TaskOutput(id: id, stream: stream, bytes: bytes)))
        }
      }
      let handler = onOutput
      let id = envelope.id
      let spec = envelope.spec
      // One Task per task, kept by `cancellation`; `finishRunning()` ends what is left.
      cancellation.start(on: executor) {
        let result = await runner.run(spec, onOutput: handler)
        emit.yield(.finished(id, result))
      }
    }
  }

  /// Cancels the tasks still running when the session ends (their results go nowhere:
  /// the session is over, the scheduler re-runs them).
  func cancelRunning() {
    for cancellation in running.values { cancellation.cancel() }
  }

  /// Cancels the tasks still running and waits for them.
  func finishRunning() async {
    cancelRunning()
    for cancellation in running.values { await cancellation.finish() }
  }

  /// Whether a task may hold its thread for long: a Swift task from a user library.
  static func mayBlock(_ spec: TaskSpec) -> Bool {
    guard case .swift(let call) = spec.kind else { return false }
    return call.library != Builtin.library && call.library != "ShoalWorker"
  }

  private mutating func cancel(_ ids: Set<UInt64>) {
    let queued = queue.filter { ids.contains($0.id) }
    if !queued.isEmpty {
      queue.removeAll { ids.contains($0.id) }
      outbox.send(
        .results(
          queued.map {
            ResultEnvelope(
              id: $0.id,
              result: TaskResult(
                status: .cancelled, message: "cancelled before it started",
                worker: configuration.name))
          }))
    }
    for id in ids { running[id]?.cancel() }
  }

  private mutating func handBackQueue() {
    guard !queue.isEmpty else { return }
    outbox.send(.handBack(queue.map(\.id)))
    queue = []
  }

  /// SIGTERM: take no new tasks, give back the queued ones, let the running ones finish
  /// within the grace period.
  private mutating func beginDrain() -> WorkerSession.Outcome? {
    guard welcomed else {
      // Not registered yet: nothing was assigned, nothing to hand back.
      if running.isEmpty { return .drained }
      shuttingDown = true
      return nil
    }
    guard drainDeadline == nil else { return nil }
    shuttingDown = true
    drainDeadline = clock.now + configuration.drainGrace
    logger.info(
      "draining",
      metadata: [
        "running": "\(running.count)", "handed back": "\(queue.count)",
        "grace": "\(configuration.drainGrace)",
      ])
    outbox.send(.drain)
    handBackQueue()
    if !heldBack.isEmpty {
      let ids = heldBack.keys.sorted()
      logger.info(
        "tasks killed by the signal that drains the worker: handing them back",
        metadata: ["tasks": "\(ids.count)"])
      outbox.send(.handBack(ids))
      for id in ids { running.removeValue(forKey: id) }
      heldBack = [:]
    }
    return finishedIfIdle()
  }

  /// A task that a termination signal killed (SIGHUP, SIGINT, SIGKILL, SIGTERM).
  static func killedBySignal(_ result: TaskResult) -> Bool {
    guard result.status == .failed, let code = result.exitCode else { return false }
    return [129, 130, 137, 143].contains(code)
  }

  private func finishedIfIdle() -> WorkerSession.Outcome? {
    guard running.isEmpty else { return nil }
    if retiring { return .retired }
    if shuttingDown && drainDeadline != nil { return .drained }
    return nil
  }

  private mutating func tick() -> WorkerSession.Outcome? {
    let now = clock.now
    if !welcomed {
      if started.duration(to: now) > configuration.handshakeTimeout {
        return .disconnected(
          reason: "the scheduler did not answer the hello within \(configuration.handshakeTimeout)",
          welcomed: false)
      }
      return nil
    }
    if lastReceived.duration(to: now) > heartbeatTimeout {
      return .disconnected(
        reason: "no message from the scheduler for \(heartbeatTimeout)", welcomed: true)
    }
    for (id, held) in heldBack where held.until <= now {
      heldBack[id] = nil
      running.removeValue(forKey: id)
      outbox.send(.results([ResultEnvelope(id: id, result: held.result)]))
    }
    if lastHeartbeat.duration(to: now) >= heartbeatInterval {
      lastHeartbeat = now
      outbox.send(.heartbeat)
    }
    if let deadline = drainDeadline, now >= deadline {
      let late = Set(running.keys).subtracting(handedBack)
      if !late.isEmpty {
        logger.warning(
          "drain grace over: cancelling running tasks and handing them back",
          metadata: ["tasks": "\(late.count)"])
        handedBack.formUnion(late)
        outbox.send(.handBack(late.sorted()))
        for id in late { running[id]?.cancel() }
      }
    }
    return nil
  }
}
