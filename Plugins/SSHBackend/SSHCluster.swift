import SSHSupport
import ShoalCore
import Synchronization

/// Workers launched over SSH on a pool of hosts, elastic within the pool's slots.
///
///     cluster_class: SSHBackend.SSHCluster
///     cluster_kwargs:
///       hosts: [node1, {host: node2, slots: 2}]
///       connect_options: {user: shoal, identity_file: ~/.ssh/id_ed25519}
///       scheduler_options: {host: 0.0.0.0, address: head.example}
///     adapt_kwargs: {minimum: 1, maximum: 8}     # clamped to the pool's 3 slots
///
/// Real OpenSSH (`ssh`, so `~/.ssh/config`, the agent and `ProxyJump` apply), one
/// multiplexed master connection per host however many workers run there, each
/// worker one session over it, supervised locally. The token travels over the
/// session's stdin. A failing host (unreachable, key refused, no or another `shoal`)
/// is named in the error, put in backoff, and its workers are placed on the other
/// hosts. See docs/ssh.md.
public final class SSHCluster: ClusterBackend, SchedulerBindingProvider {
  enum Request: Sendable {
    case scale(Int, id: Int)
    case stop([String], id: Int)
    case tick
  }

  struct Shared: Sendable {
    var supervisor: ProcessSupervisor?
    var placement: [String: String] = [:]
    var pending: [Int: CheckedContinuation<Void, any Error>] = [:]
    var nextID = 0
    var tickPending = false
    var adaptNote: String?
  }

  let configuration: Configuration
  /// Workers to start when not adaptive: `n_workers`, default one per slot.
  public let initialWorkers: Int
  /// Where the scheduler listens: `scheduler_options.host`/`port`, when set.
  public let schedulerBinding: SchedulerBinding?
  private let adaptPath: String
  private let requests: AsyncStream<Request>
  private let sink: AsyncStream<Request>.Continuation
  private let shared = Mutex(Shared())

  /// Decodes and checks `cluster_kwargs` (see docs/ssh.md); connects to nothing.
  public init(kwargs: Kwargs) throws {
    configuration = try Configuration(kwargs: kwargs)
    initialWorkers = configuration.initialWorkers
    let scheduler = configuration.scheduler
    schedulerBinding =
      scheduler.listenHost == nil && scheduler.listenPort == nil
      ? nil
      : SchedulerBinding(host: scheduler.listenHost ?? "127.0.0.1", port: scheduler.listenPort ?? 0)
    adaptPath =
      kwargs.path.hasSuffix("cluster_kwargs")
      ? String(kwargs.path.dropLast("cluster_kwargs".count)) + "adapt_kwargs" : "adapt_kwargs"
    (requests, sink) = AsyncStream.makeStream(of: Request.self)
  }

  /// Clamps `maximum` to the pool's capacity (noted in the log when the cluster
  /// starts); refuses a `minimum` above it.
  public func adapt(_ requested: AdaptSettings) throws -> AdaptSettings {
    let capacity = configuration.capacity
    let pool = configuration.hosts.map { "\($0): \($0.slots)" }.joined(separator: ", ")
    guard requested.minimum <= capacity else {
      throw ShoalError(
        .invalidValue,
        "minimum (\(requested.minimum)) is more than the SSH pool holds: \(capacity) slots (\(pool))",
        keyPath: adaptPath + ".minimum", hint: "add hosts or `slots`, or lower `minimum`")
    }
    var settings = requested
    if (requested.maximum ?? Int.max) > capacity {
      settings.maximum = capacity
      let asked = requested.maximum.map(String.init) ?? "unbounded"
      shared.withLock {
        $0.adaptNote =
          "adapt maximum \(asked) clamped to the SSH pool's capacity of \(capacity) workers (\(pool))"
      }
    }
    return settings
  }

  /// Runs the cluster: connects to and checks every host, then serves scale and stop
  /// requests until cancelled; then stops every worker on every host and closes the
  /// master connections.
  public func run(context: ClusterContext) async throws {
    defer { finishRequests() }
    let directories = try StateDirectories(
      state: context.stateDirectory, clusterID: context.clusterID,
      clusterName: context.clusterName)
    defer { directories.removeTemporary() }
    let log = context.log
    if let note = shared.withLock({ $0.adaptNote }) { log.info(note) }
    let version = try await SSHCluster.version(
      of: context.workerExecutable, scratch: directories.scratch)
    var upload: Upload?
    if let directory = configuration.uploadDirectory {
      upload = try await Upload.collect(
        directory: directory, shoal: context.workerExecutable,
        taskLibraries: configuration.taskLibraries, scratch: directories.scratch)
    }
    let workerAddress = configuration.scheduler.workerAddress(actual: context.schedulerAddress)
    warnAboutLoopback(workerAddress, log: log)
    for host in configuration.hosts where host.slots > SSHCluster.sessionsPerConnection {
      log.warning(
        "host `\(host)` has \(host.slots) slots; sshd allows 10 sessions per connection by default"
          + " (MaxSessions), \(SSHCluster.sessionsPerConnection) workers plus Shoal's checks: raise MaxSessions there"
      )
    }
    let supervisor = ProcessSupervisor(
      policy: .init(restartLimit: 0, stopGrace: .seconds(10)),
      log: EventLog { _, message in log.debug("ssh sessions: \(message)") })
    let controller = Controller(
      configuration: configuration, context: context, supervisor: supervisor,
      workerAddress: workerAddress, localVersion: version, upload: upload,
      directories: directories,
      publish: { table in self.shared.withLock { $0.placement = table } })
    shared.withLock { $0.supervisor = supervisor }
    log.info(
      "SSH cluster: \(configuration.hosts.count) hosts (\(controller.poolDescription)); workers dial \(workerAddress)"
    )

    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { await supervisor.run() }
      group.addTask {
        while !Task.isCancelled {
          try? await Task.sleep(for: .seconds(1))
          let due = self.shared.withLock { state in
            defer { state.tickPending = true }
            return !state.tickPending
          }
          if due { self.sink.yield(.tick) }
        }
      }
      do {
        try await controller.start()
        for await request in requests {
          await serve(request, controller: controller)
        }
      } catch {
        await controller.close()
        group.cancelAll()
        throw error
      }
      await controller.close()
      group.cancelAll()
    }
  }

  private func serve(_ request: Request, controller: Controller) async {
    switch request {
    case .tick:
      shared.withLock { $0.tickPending = false }
      await controller.tick()
    case .scale(let count, let id):
      do {
        try await controller.scale(to: count)
        resume(id, with: .success(()))
      } catch {
        resume(id, with: .failure(error))
      }
    case .stop(let names, let id):
      await controller.stop(workers: names)
      resume(id, with: .success(()))
    }
  }

  /// Makes `count` workers exist, spread over the hosts by free slots, up to the
  /// pool's capacity. Throws when workers were wanted and no host could take one.
  public func scale(to count: Int) async throws {
    try await send { .scale(count, id: $0) }
  }

  /// Stops the named workers (already retired by the scheduler) on their hosts.
  public func stop(workers names: [String]) async throws {
    try await send { .stop(names, id: $0) }
  }

  /// Every worker's state, with the host it runs on as its location.
  public func workers() async -> [WorkerStatus] {
    let (supervisor, table) = shared.withLock { ($0.supervisor, $0.placement) }
    guard let supervisor else { return [] }
    return supervisor.statuses().compactMap { status in
      guard let host = table[status.name] else { return nil }
      return WorkerStatus(
        name: status.name, state: status.state, location: host, restarts: status.restarts)
    }
  }

  private func send(_ make: (Int) -> Request) async throws {
    try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<Void, any Error>) in
      let id = shared.withLock { state in
        state.nextID += 1
        state.pending[state.nextID] = continuation
        return state.nextID
      }
      if case .terminated = sink.yield(make(id)) {
        resume(id, with: .failure(SSHCluster.closedError))
      }
    }
  }

  private func resume(_ id: Int, with result: Result<Void, any Error>) {
    shared.withLock { $0.pending.removeValue(forKey: id) }?.resume(with: result)
  }

  private func finishRequests() {
    sink.finish()
    let pending = shared.withLock { state in
      defer { state.pending.removeAll() }
      return Array(state.pending.values)
    }
    for continuation in pending { continuation.resume(throwing: SSHCluster.closedError) }
  }

  /// Workers that fit on one master connection under sshd's default `MaxSessions 10`,
  /// leaving a session for checks and stops.
  static let sessionsPerConnection = 9

  static let closedError = ShoalError(.invalidState, "the SSH cluster is not running")

  private func warnAboutLoopback(_ address: String, log: EventLog) {
    guard let host = SchedulerSettings.parse(address)?.host, SchedulerSettings.isLoopback(host)
    else { return }
    let remote = configuration.hosts.filter { !SchedulerSettings.isLoopback($0.name) }
    guard let first = remote.first else { return }
    log.warning(
      "workers dial the scheduler at \(address), a loopback address that `\(first)` cannot reach;"
        + " set cluster_kwargs.scheduler_options (e.g. {host: 0.0.0.0, address: THIS_MACHINE})")
  }

  /// `shoal --version` of the local executable: the version every host must run.
  static func version(of executable: String, scratch: String) async throws -> String {
    let outcome = try await ShortCommand(
      executable, ["--version"], combinedOutputFile: HostConnection.scratchFile(in: scratch, -2)
    ).run(timeout: .seconds(30))
    let version = outcome.stdout.trimmingCharacters()
    guard outcome.status == 0, !version.isEmpty else {
      throw ShoalError(
        .backendFailed, "`\(executable) --version` failed: \(outcome.lastLines())")
    }
    return version
  }
}

/// The plugin's entry point: exports `SSHCluster`.
@_cdecl("shoal_plugin_table")
public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
  PluginABI.table(host) { $0.export(SSHCluster.self) }
}
