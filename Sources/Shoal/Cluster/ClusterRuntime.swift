import Foundation
import Logging
import ServiceLifecycle
import ShoalCore
import ShoalPluginHost
import ShoalScheduler
import ShoalTLS
import Synchronization

/// How a cluster process runs its cluster.
public struct ClusterOptions: Sendable {
  /// The `shoal` executable that workers run (`shoal worker ...`).
  public var workerExecutable: String
  /// Where clusters are recorded and logs go.
  public var stateFolder: StateFolder
  /// Whether this cluster is recorded under its name in the state folder, so that
  /// other commands can find it (`shoal up`); a temporary cluster is not.
  public var recorded: Bool
  /// Whether it runs detached (shown by `shoal ps`).
  public var detached: Bool
  /// The configuration file, for the record.
  public var configFile: String?
  /// The interface the scheduler listens on.
  public var host: String
  /// Serves the cluster's dashboard (`ShoalDashboard`), when the spec has one; nil
  /// runs no dashboard (the library alone never links an HTTP server).
  public var dashboard: (any ClusterDashboard)? = nil
  /// The command that owns a temporary cluster (`shoal map ...`), shown by `shoal ps`.
  public var command: String? = nil

  /// Options.
  public init(
    workerExecutable: String = ClusterOptions.defaultWorkerExecutable(),
    stateFolder: StateFolder = .standard(), recorded: Bool = false, detached: Bool = false,
    configFile: String? = nil, host: String = "127.0.0.1"
  ) {
    self.workerExecutable = workerExecutable
    self.stateFolder = stateFolder
    self.recorded = recorded
    self.detached = detached
    self.configFile = configFile
    self.host = host
  }

  /// `$SHOAL_WORKER_EXECUTABLE`, else this process's own executable when it is
  /// `shoal`, else `shoal` next to it (tests), else `shoal` on `$PATH`.
  public static func defaultWorkerExecutable(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String {
    if let explicit = environment["SHOAL_WORKER_EXECUTABLE"], !explicit.isEmpty { return explicit }
    let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    if me.hasSuffix("/shoal") { return me }
    var folder = (me as NSString).deletingLastPathComponent
    if folder.hasSuffix(".xctest") { folder = (folder as NSString).deletingLastPathComponent }
    let sibling = folder + "/shoal"
    return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : "shoal"
  }
}

/// Where a started cluster can be reached.
public struct ClusterEndpoint: Sendable, Hashable {
  /// The cluster's name.
  public var name: String
  /// This run's id.
  public var clusterID: String
  /// The scheduler's address.
  public var address: String
  /// The token clients present.
  public var token: String
  /// The client's TLS settings (`.off` for plain TCP).
  public var tls: TLSSettings = .off
  /// What protects the cluster, in words.
  public var protection: String = ""
}

/// One cluster, from a `ClusterSpec`, for as long as `run()` runs: its backend
/// (made and validated at `init`), an in-process scheduler with a fresh token, the
/// backend's workers, and, when `adapt_kwargs` are given, the adaptive loop.
///
///     let cluster = try ClusterRuntime(spec: spec, loader: loader, logger: logger)
///     try await withThrowingTaskGroup(of: Void.self) { group in
///       group.addTask { try await cluster.run() }
///       let endpoint = try await cluster.ready()     // workers connected
///       ... submit work to endpoint.address ...
///       cluster.close()                              // retire, stop, return from run()
///     }
///
/// Closing (`close()`, `shoal down`, Ctrl-C) retires every worker through the
/// scheduler, stops them, and stops the scheduler. Cancelling `run()` stops the
/// workers at once (SIGTERM, grace, SIGKILL). Calls into the plugin are bounded by
/// `spec.timeouts`.
public final class ClusterRuntime: Sendable {
  /// The cluster's declaration.
  public let spec: ClusterSpec
  /// This run's id (labels logs and containers).
  public let clusterID: String
  /// The backend.
  public let backend: any ClusterBackend
  /// The adapt settings after the backend clamped them; nil when not adaptive.
  public let adaptSettings: AdaptSettings?
  let options: ClusterOptions
  let logger: Logger
  let token: String
  let credentials: ClusterCredentials
  let scheduler: Scheduler
  let controller: AdaptiveController<ContinuousClock>
  /// The adaptive loop over the worker groups, for a cluster with `groups:`.
  let groupController: GroupController<ContinuousClock>?
  let readiness = Readiness<ClusterEndpoint>()
  /// What happened to the cluster (`shoal events`, the dashboard page).
  public let events: EventJournal
  let dashboardURL = Mutex<String?>(nil)
  let counters = Mutex(ClusterCounters())
  let phase = Mutex("starting")
  /// The error the backend's `run(context:)` threw (other than a cancellation): the
  /// root cause to report when the cluster fails.
  let backendFailure = Mutex<ShoalError?>(nil)
  /// The client's certificate files, once written.
  let clientFiles = Mutex<TLSFiles?>(nil)
  private let closeSignal: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)

  /// Makes the backend (validating `cluster_kwargs`) and hands it the adapt settings;
  /// starts nothing.
  public init(
    spec: ClusterSpec, loader: PluginLoader, options: ClusterOptions = .init(), logger: Logger
  ) throws {
    guard let clusterClass = spec.clusterClass else {
      throw ShoalError(
        .invalidState,
        "cluster `\(spec.name)` is an existing cluster at \(spec.address ?? "?"); it cannot be started",
        location: spec.location, keyPath: spec.keyPath,
        hint: "connect to it with `--cluster \(spec.name)` or `--address`")
    }
    self.spec = spec
    self.options = options
    self.logger = logger
    clusterID = ClusterRuntime.makeID(name: spec.name)
    token = ClusterRuntime.makeToken()
    var members: [GroupedBackend.Member] = []
    if spec.isGrouped {
      members = try ClusterRuntime.makeMembers(spec, loader: loader, logger: logger)
      backend = GroupedBackend(members: members)
    } else {
      let check = ShoalConfig.checkBackend(spec, loader: loader)
      if let error = check.error { throw error }
      guard let resolved = check.resolved else {
        throw ShoalError(.backendFailed, "cannot resolve `\(clusterClass)`")
      }
      backend = try resolved.make(spec.clusterKwargs)
    }
    if spec.isGrouped {
      adaptSettings = ClusterRuntime.totalSettings(members)
    } else if let requested = spec.adapt {
      let accepted = try backend.adapt(requested)
      if accepted.maximum != requested.maximum {
        logger.warning(
          "\(clusterClass) lowered the adaptive maximum of `\(spec.name)` from \(requested.maximum.map(String.init) ?? "none") to \(accepted.maximum.map(String.init) ?? "none") (its capacity)"
        )
      }
      adaptSettings = accepted
    } else {
      adaptSettings = nil
    }
    // A backend whose workers run elsewhere (SSH hosts) says where the scheduler
    // must listen for them to reach it.
    let binding = (backend as? any SchedulerBindingProvider)?.schedulerBinding
    let host = binding?.host ?? options.host
    credentials = try ClusterCredentials.make(spec: spec, host: host)
    if spec.security.isOff && !ClusterCredentials.isLoopback(host) {
      logger.warning(
        "cluster `\(spec.name)` has `tls: off` and its scheduler listens on \(host): the token and every task cross the network in clear (docs/security.md)"
      )
    }
    var configuration = SchedulerConfiguration(
      host: host, port: binding?.port ?? 0, token: token)
    configuration.tls = credentials.scheduler
    scheduler = Scheduler(configuration: configuration, logger: logger)
    controller = AdaptiveController(
      scheduler: scheduler, backend: backend, settings: adaptSettings ?? AdaptSettings(),
      slotsPerWorker: SlotsPerWorker.guess(spec.clusterKwargs), planned: 0,
      clock: ContinuousClock(), logger: logger, scaleTimeout: spec.timeouts.scale)
    groupController =
      spec.isGrouped
      ? GroupController(
        scheduler: scheduler, members: members, clock: ContinuousClock(), logger: logger,
        scaleTimeout: spec.timeouts.scale)
      : nil
    closeSignal = AsyncStream.makeStream(of: Void.self)
    events = EventJournal(
      file: (options.recorded
        ? options.stateFolder.cluster(spec.name) : options.stateFolder.temporary(clusterID))
        + "/events.jsonl")
    controller.observe { [weak self] decision, manual in
      guard let self, !manual else { return }
      self.counters.withLock { $0.decisions[decision.action.rawValue, default: 0] += 1 }
      guard decision.action != .same else { return }
      self.events.append(ClusterEvent.adaptive(decision))
    }
    groupController?.observe { [weak self] decision in
      guard let self else { return }
      self.counters.withLock { $0.decisions[decision.decision.action.rawValue, default: 0] += 1 }
      var event = ClusterEvent.adaptive(decision.decision)
      event.message = "group \(decision.group): " + event.message
      self.events.append(event)
    }
  }

  /// The state folder of this run: the named folder for a recorded cluster, a
  /// temporary one otherwise.
  public var stateDirectory: String {
    options.recorded
      ? options.stateFolder.cluster(spec.name) : options.stateFolder.temporary(clusterID)
  }

  /// Suspends until the cluster is up (its initial workers connected), or throws
  /// why it could not start.
  public func ready() async throws -> ClusterEndpoint { try await readiness.value }

  /// Asks the cluster to close: retire every worker, stop them, stop the scheduler;
  /// `run()` then returns.
  public func close() {
    let wasClosing = phase.withLock { phase in
      defer { phase = "closing" }
      return phase == "closing"
    }
    if !wasClosing {
      events.append(ClusterEvent(kind: .clusterClosing, message: "cluster `\(spec.name)` closing"))
    }
    closeSignal.continuation.finish()
  }

  /// Runs the cluster until `close()`, a graceful shutdown (which closes it, as
  /// `close()` does), or cancellation. `ClusterRuntime` is a `Service`: run it in a
  /// `ServiceGroup`, which turns SIGTERM and SIGINT into a graceful shutdown.
  public func run() async throws {
    try await withGracefulShutdownHandler {
      try await runUntilClosed()
    } onGracefulShutdown: {
      self.close()
    }
  }

  private func runUntilClosed() async throws {
    do {
      // Each child returns whether its end ends the cluster: the adaptive loop ends at a
      // graceful shutdown, while the cluster still retires its workers.
      try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
          try await self.runScheduler()
          return true
        }
        let address = try await Deadline.run(spec.timeouts.start, "starting the scheduler") {
          try await self.scheduler.listeningAddress()
        }
        try StateFolder.makeFolder(stateDirectory)
        let files = try credentials.write(to: stateDirectory)
        clientFiles.withLock { $0 = files }
        // The worker's certificate and key travel inside its token, wherever the
        // backend sends the token (never on a command line).
        let workerSecret = CredentialBundle(token: token, identity: credentials.worker.identity)
        // ... and in a 0600 file that `workerLaunch` points workers at (`--token-file`),
        // so that no backend needs to put it in an environment.
        let secretFile = SecretFile.path(stateDirectory: stateDirectory)
        try SecretFile.write(workerSecret.encoded, to: secretFile)
        let context = ClusterContext(
          clusterName: spec.name, clusterID: clusterID, schedulerAddress: address,
          token: workerSecret.encoded,
          workerExecutable: options.workerExecutable, stateDirectory: stateDirectory,
          tokenFile: secretFile, log: ClusterRuntime.eventLog(logger))
        await scheduler.setControlHandler(ClusterControl(runtime: self))
        await scheduler.setWorkerShapes(groupController?.shapes ?? singleShape)
        try await startDashboard(in: &group)
        group.addTask {
          try await self.watchWorkers()
          return true
        }
        group.addTask {
          try await self.runBackend(context: context)
          return true
        }
        // The adaptive loop ends at a graceful shutdown, while the cluster still retires
        // its workers: its end does not end the cluster.
        if let groupController {
          group.addTask {
            try await groupController.run()
            return false
          }
        } else {
          group.addTask {
            try await self.controller.run()
            return false
          }
        }
        group.addTask {
          try await self.serve(address: address)
          return true
        }
        // The first child to end the cluster ends it: `serve` after close, or a failure.
        while let endsCluster = try await group.next(), !endsCluster {}
        phase.withLock { $0 = "closing" }
        group.cancelAll()
      }
    } catch {
      // Other children may fail because the backend did (a scale call refused while it
      // stops): its own error is the one to report.
      let reported: any Error = backendFailure.withLock { $0 } ?? error
      readiness.resolve(.failure(reported))
      cleanUp()
      throw reported
    }
    readiness.resolve(
      .failure(ShoalError(.invalidState, "cluster `\(spec.name)` closed before it was ready")))
    cleanUp()
  }

  /// Runs the scheduler until this task is cancelled. The scheduler obeys a graceful
  /// shutdown at once, but the cluster needs it while it retires its workers: so it runs
  /// in a task of its own, which does not inherit the cluster's graceful shutdown.
  private func runScheduler() async throws {
    let scheduler = self.scheduler
    try await Self.shielded { try await scheduler.run() }
  }

  /// Runs `body` in a task that does not inherit the caller's graceful shutdown (a
  /// service inside, such as the scheduler or the dashboard's HTTP server, would stop
  /// at once and end the cluster before it retired its workers); cancelling the caller
  /// cancels it.
  static func shielded(_ body: @escaping @Sendable () async throws -> Void) async throws {
    let task = Task.detached { try await body() }
    try await withTaskCancellationHandler {
      try await task.value
    } onCancel: {
      task.cancel()
    }
  }

  /// Runs the backend's `run(context:)`; once cancelled, waits at most `timeouts.stop`
  /// for it to return, then reports it as hung and gives up on it (a `run` that ignores
  /// cancellation must not keep the cluster process from exiting).
  private func runBackend(context: ClusterContext) async throws {
    let outcome = Readiness<Void>()
    let backend = self.backend
    // Unstructured on purpose: a child task that never returns would hold the group.
    let run = Task {
      do {
        try await backend.run(context: context)
        outcome.resolve(.success(()))
      } catch {
        // Even while being cancelled: the failure that made the cluster close may be
        // on its way out of `run` (it stops its workers first) when others fail of it.
        if !(error is CancellationError) {
          let shoal = error as? ShoalError ?? ShoalError(.backendFailed, "\(error)")
          self.backendFailure.withLock { $0 = $0 ?? shoal }
        }
        outcome.resolve(.failure(error))
      }
    }
    let limit = spec.timeouts.stop
    let name = spec.name
    let logger = self.logger
    try await withTaskCancellationHandler {
      try await outcome.value
    } onCancel: {
      run.cancel()
      Task {
        try? await Task.sleep(for: limit)
        let error = ShoalError(
          .timeout,
          "the backend of `\(name)` did not return from run(context:) within \(limit.seconds) s"
            + " after the cluster closed; its workers may still be running",
          hint: "fix the plugin's run(context:) to return when cancelled; raise"
            + " clusters.\(name).timeouts.stop only for a slow but working backend")
        if !outcome.isResolved { logger.error("\(error)") }
        outcome.resolve(.failure(error))
      }
    }
  }

  /// Starts the workers, reports ready, waits for `close()`, then retires everyone.
  private func serve(address: String) async throws {
    let initial: Int
    if let groupController {
      initial = backend.initialWorkers
      controller.disable(planned: 0)
      if initial > 0 {
        try await Deadline.run(
          spec.timeouts.start, "starting the minimum workers of `\(spec.name)`'s groups",
          hint:
            "raise clusters.\(spec.name).timeouts.start, or see the worker logs in \(stateDirectory)"
        ) {
          try await groupController.start()
        }
        try await waitForWorkers(initial)
      }
    } else if let adaptSettings {
      initial = adaptSettings.minimum
      controller.update(settings: adaptSettings)
    } else {
      initial = backend.initialWorkers
      controller.disable(planned: initial)
    }
    if initial > 0 {
      let backend = self.backend
      try await Deadline.run(
        spec.timeouts.start, "starting \(initial) workers of `\(spec.name)`",
        hint:
          "raise clusters.\(spec.name).timeouts.start, or see the worker logs in \(stateDirectory)/logs"
      ) {
        try await backend.scale(to: initial)
      }
      if adaptSettings != nil { controller.setPlanned(initial) }
      try await waitForWorkers(initial)
    }
    let endpoint = ClusterEndpoint(
      name: spec.name, clusterID: clusterID, address: address, token: token,
      tls: credentials.client, protection: credentials.summary)
    if options.recorded { try record(endpoint) } else { recordTemporary(endpoint) }
    phase.withLock { $0 = "running" }
    readiness.resolve(.success(endpoint))
    let adaptive = adaptSettings.map { " (adaptive \($0))" } ?? ""
    events.append(
      ClusterEvent(
        kind: .clusterUp, message: "cluster `\(spec.name)` is up with \(initial) workers\(adaptive)"
      ))
    logger.info("cluster `\(spec.name)` is up at \(address) with \(initial) workers\(adaptive)")
    for await _ in closeSignal.stream {}
    if Task.isCancelled { return }
    await retireAll()
  }

  /// Waits until `count` workers are connected; fails fast when a worker failed
  /// (or keeps exiting before it connects), naming it and the end of its log.
  ///
  /// The scheduler is asked every 2 ms (a worker's start takes tens of milliseconds and
  /// every millisecond of the wait is the user's), the backend about failed workers
  /// every 20 ms.
  func waitForWorkers(_ count: Int) async throws {
    let deadline = ContinuousClock.now + spec.timeouts.start
    var round = 0
    while true {
      let load = try await scheduler.load()
      let connected = Set(load.workers.map(\.name))
      if connected.count >= count { return }
      round += 1
      let lastChance = ContinuousClock.now >= deadline
      let statuses = round % 10 == 0 || lastChance ? await backend.workers() : []
      for status in statuses where !connected.contains(status.name) {
        let failed = status.state.isFailed || status.state.isFinal
        if failed || status.restarts >= 2 {
          let what =
            failed ? "\(status.state)" : "exited \(status.restarts + 1) times before connecting"
          let log = workerLog(status.name)
          let logAdvice =
            log.map { "see its log \($0.path)" } ?? "see the worker logs in \(stateDirectory)"
          throw ShoalError(
            .backendFailed,
            "worker \(status.name) of cluster `\(spec.name)` did not start: \(what)"
              + (log.map { "; the end of \($0.path):\n" + $0.tail } ?? ""),
            hint:
              "\(logAdvice); run `\(options.workerExecutable) worker --help` to check the worker"
              + " executable and its options; set SHOAL_WORKER_EXECUTABLE to another one")
        }
      }
      if lastChance {
        let states = await backend.workers().map { "\($0)" }.joined(separator: ", ")
        throw ShoalError(
          .timeout,
          "only \(connected.count) of \(count) workers of `\(spec.name)` connected within \(spec.timeouts.start.seconds) s (\(states))",
          hint: "see the worker logs in \(stateDirectory)/logs")
      }
      try await Task.sleep(for: .milliseconds(2))
    }
  }

  /// A worker's log and its last lines, when the backend wrote one where LocalCluster
  /// (`STATE/logs/NAME.log`) or the `shoal plugin new` scaffold (`STATE/NAME.log`) does.
  func workerLog(_ worker: String) -> (path: String, tail: String)? {
    for path in [stateDirectory + "/logs/\(worker).log", stateDirectory + "/\(worker).log"] {
      guard let text = try? String(contentsOfFile: path, encoding: .utf8),
        !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
      else { continue }
      let all = text.split(separator: "\n")
      var lines = Array(all.suffix(5))
      // A usage message after the error would push the error itself out of the tail.
      if !lines.contains(where: { $0.lowercased().contains("error") }),
        let error = all.dropLast(5).last(where: { $0.lowercased().contains("error") })
      {
        lines.insert(error, at: 0)
      }
      return (path, lines.map { "    " + $0 }.joined(separator: "\n"))
    }
    return nil
  }

  /// Retires every worker through the scheduler (their tasks finish), then stops them.
  private func retireAll() async {
    controller.disable(planned: 0)
    groupController?.pause()
    let names: [String]
    do {
      names = try await scheduler.load().workers.map(\.name)
    } catch {
      logger.warning("closing `\(spec.name)` without retiring its workers first: \(error)")
      names = []
    }
    let backend = self.backend
    let scheduler = self.scheduler
    _ = try? await Deadline.run(spec.timeouts.stop, "closing `\(spec.name)`") {
      let retired = await scheduler.retire(workers: names)
      try await backend.stop(workers: retired)
      try await backend.scale(to: 0)
    }
    logger.info("cluster `\(spec.name)` closed")
  }

  private func record(_ endpoint: ClusterEndpoint) throws {
    let folder = options.stateFolder
    try folder.writeToken(token, name: spec.name)
    try folder.write(
      ClusterRecord(
        name: spec.name, clusterID: clusterID, address: endpoint.address,
        tokenFile: folder.tokenFile(spec.name), pid: getpid(),
        clusterClass: spec.clusterClass ?? "", configFile: options.configFile,
        detached: options.detached, startedAt: WallClock.now(),
        tls: clientFiles.withLock { $0 }, protection: credentials.summary,
        dashboard: dashboardURL.withLock { $0 }))
  }

  private func cleanUp() {
    ClusterCredentials.remove(from: stateDirectory)
    SecretFile.remove(SecretFile.path(stateDirectory: stateDirectory))
    if options.recorded {
      options.stateFolder.removeRecord(spec.name)
    } else {
      options.stateFolder.removeTemporaryRecord(clusterID)
    }
  }

  /// Makes `NAME-YYYYmmdd-HHMMSS-RANDOM`.
  static func makeID(name: String) -> String {
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    return "\(name)-\(Int(WallClock.now()))-\(suffix)"
  }

  /// 32 random bytes, hex.
  static func makeToken() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
    }
    .joined()
  }

  /// Forwards backend messages to `logger`.
  static func eventLog(_ logger: Logger) -> EventLog {
    EventLog { level, message in
      switch level {
      case .debug: logger.debug("\(message)")
      case .info: logger.info("\(message)")
      case .warning: logger.warning("\(message)")
      case .error: logger.error("\(message)")
      }
    }
  }
}
