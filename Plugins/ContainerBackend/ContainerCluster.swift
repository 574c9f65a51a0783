import ShoalCore
import Synchronization

/// Workers launched as containers with podman or docker: `cluster_class:
/// ContainerBackend.ContainerCluster`.
///
/// Each worker is one container, started by a foreground `podman run --rm ...` that a
/// `ProcessSupervisor` watches: an unexpected exit (a crash, `podman kill`) is
/// replaced with backoff, up to the supervisor's cap. Containers carry the labels in
/// `ContainerLabels`, so a `shoal` that was killed leaves nothing that the next start
/// cannot find and remove. Workers give up after `worker_options.give_up_after`
/// seconds without a scheduler, so no container outlives its cluster for long.
public final class ContainerCluster: ClusterBackend, LeftoverCleaning, SchedulerBindingProvider {
  /// The decoded kwargs.
  public let options: ContainerOptions
  private let state = Mutex(State())

  struct State {
    var phase = Phase.idle
    var context: ClusterContext?
    var supervisor: ProcessSupervisor?
    var image: String?
    var nextIndex = 0
    /// Workers that should exist, in start order.
    var active: [String] = []
  }

  enum Phase {
    case idle, starting, ready, failed(ShoalError), closed
  }

  /// Decodes and checks `cluster_kwargs`; looks up the runtime; starts nothing.
  public init(kwargs: Kwargs) throws {
    options = try kwargs.decode(ContainerOptions.self)
  }

  /// `n_workers`.
  public var initialWorkers: Int { options.nWorkers }

  /// Where the scheduler must listen for these containers to reach it (see
  /// `ContainerOptions.schedulerBinding`).
  public var schedulerBinding: SchedulerBinding? { options.schedulerBinding }

  private var client: RuntimeClient { RuntimeClient(runtime: options.runtime) }

  /// Removes leftovers of earlier runs, makes sure the image exists, then supervises
  /// the worker containers until cancelled; then stops and removes every one of them.
  public func run(context: ClusterContext) async throws {
    state.withLock {
      $0.phase = .starting
      $0.context = context
    }
    let supervisor = ProcessSupervisor(
      policy: .init(stopGrace: .seconds(options.stopGrace + 5)), log: context.log)
    // The core's secret file (`context.tokenFile`) is mounted into every container;
    // a context made by hand gets one of its own, removed with the cluster.
    let ownSecret = context.tokenFile == nil
    defer { if ownSecret { SecretFile.remove(SecretFile.path(in: context)) } }
    do {
      if ownSecret { try SecretFile.write(context.token, to: SecretFile.path(in: context)) }
      try await removeLeftovers(clusterName: context.clusterName, log: context.log)
      let image = try await ImageResolver(options: options, client: client, context: context)
        .resolve()
      state.withLock {
        $0.image = image
        $0.supervisor = supervisor
        $0.phase = .ready
      }
    } catch {
      let failure =
        error as? ShoalError ?? ShoalError(.backendFailed, "container cluster failed: \(error)")
      state.withLock { $0.phase = .failed(failure) }
      throw failure
    }
    await supervisor.run()  // returns when cancelled, after stopping every `run` process
    let names = state.withLock { state -> [String] in
      state.phase = .closed
      defer { state.active = [] }
      return state.active
    }
    await client.stopAndRemove(names, grace: options.stopGrace)
    let leftovers =
      (try? await client.containers(label: ContainerLabels.cluster, value: context.clusterID))?
      .map(\.name) ?? []
    await client.stopAndRemove(leftovers, grace: 0)
  }

  /// Makes `count` worker containers exist: starts new ones (and waits until each is
  /// running, or throws with the runtime's error), or stops the newest.
  public func scale(to count: Int) async throws {
    let (context, supervisor, image) = try await ready()
    let current = state.withLock { $0.active }
    if count < current.count {
      try await stop(workers: Array(current.suffix(current.count - count)))
      return
    }
    let new: [WorkerContainer] = state.withLock { state in
      (current.count..<count).map { _ in
        defer { state.nextIndex += 1 }
        let name = WorkerContainer.name(
          prefix: options.namePrefix
            ?? WorkerContainer.defaultPrefix(clusterName: context.clusterName),
          clusterID: context.clusterID, index: state.nextIndex)
        state.active.append(name)
        var container = WorkerContainer(
          name: name, image: image, clusterID: context.clusterID,
          clusterName: context.clusterName, owner: HostSystem.ownerStamp(),
          schedulerAddress: WorkerContainer.schedulerAddress(
            context.schedulerAddress, options: options, runtime: options.runtime))
        container.resources = context.workerResources
        return container
      }
    }
    guard !new.isEmpty else { return }
    let failures = await withTaskGroup(of: String?.self) { group in
      for container in new {
        group.addTask {
          do {
            try await self.start(container, context: context, supervisor: supervisor)
            return nil
          } catch {
            return "\(error)"
          }
        }
      }
      var failures: [String] = []
      for await failure in group { if let failure { failures.append(failure) } }
      return failures
    }
    if !failures.isEmpty {
      throw ShoalError(
        .backendFailed,
        "\(failures.count) of \(new.count) worker containers did not start:\n"
          + failures.joined(separator: "\n"),
        hint: client.hint)
    }
  }

  /// Stops the named (already retired) workers: SIGTERM through `podman run`, then
  /// `stop -t GRACE`, then `rm`.
  public func stop(workers names: [String]) async throws {
    let supervisor = state.withLock { state -> ProcessSupervisor? in
      state.active.removeAll { names.contains($0) }
      return state.supervisor
    }
    guard let supervisor else { return }
    await supervisor.stop(names)
    await client.stopAndRemove(names, grace: options.stopGrace)
    supervisor.forget(names)
  }

  /// Every worker container's state; `location` names the log file.
  public func workers() async -> [WorkerStatus] {
    let (supervisor, context) = state.withLock { ($0.supervisor, $0.context) }
    guard let supervisor, let context else { return [] }
    return supervisor.statuses().map {
      var status = $0
      status.location =
        "\(options.runtime.name) container \($0.name); log \(logFile($0.name, context))"
      return status
    }
  }

  /// The log file of worker `name`: the output of its `podman run`.
  func logFile(_ name: String, _ context: ClusterContext) -> String {
    context.stateDirectory + "/logs/" + name + ".log"
  }

  private func start(
    _ container: WorkerContainer, context: ClusterContext, supervisor: ProcessSupervisor
  ) async throws {
    let log = logFile(container.name, context)
    let command = ProcessSupervisor.Command(
      executable: options.runtime.executable,
      arguments: container.runArguments(
        options: options, runtime: options.runtime, secretFile: SecretFile.path(in: context)),
      logFile: log)
    do {
      try await supervisor.launch(name: container.name, command)
      try await waitUntilRunning(container.name, log: log, supervisor: supervisor)
    } catch {
      state.withLock { $0.active.removeAll { $0 == container.name } }
      await supervisor.stop([container.name])
      supervisor.forget([container.name])
      await client.stopAndRemove([container.name], grace: 0)
      throw error
    }
  }

  /// Waits until the container runs; throws with the runtime's own error when
  /// `podman run` exits first (a bad image, bad `extra_args`, a broken runtime).
  private func waitUntilRunning(
    _ name: String, log: String, supervisor: ProcessSupervisor
  ) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(120)
    let firstPid = supervisor.pid(of: name)
    while clock.now < deadline {
      if supervisor.pid(of: name) != firstPid || supervisor.pid(of: name) == nil {
        let output = RuntimeCommand.read(log)
        let tail = output.split(separator: "\n").suffix(15).joined(separator: "\n")
        throw ShoalError(
          .backendFailed,
          "\(name): `\(options.runtime.name) run` exited before the container was running; its output (\(log)):\n\(tail)"
        )
      }
      if await client.isRunning(name) { return }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw ShoalError(
      .timeout,
      "\(name): the container was not running 120 s after `\(options.runtime.name) run`; see \(log)"
    )
  }

  /// Waits until `run` has resolved the image; throws what stopped it.
  private func ready() async throws -> (ClusterContext, ProcessSupervisor, String) {
    while true {
      let phase = state.withLock { $0.phase }
      switch phase {
      case .ready:
        return state.withLock { ($0.context!, $0.supervisor!, $0.image!) }
      case .failed(let error):
        throw error
      case .closed:
        throw ShoalError(.invalidState, "the container cluster is closed")
      case .idle, .starting:
        try await Task.sleep(for: .milliseconds(20))
      }
    }
  }

  /// Removes containers of this cluster name whose owning `shoal` is gone (killed,
  /// crashed): what a `shoal` killed with SIGKILL left behind. Returns their names.
  @discardableResult
  public func removeLeftovers(clusterName: String, log: EventLog) async throws -> [String] {
    let found = try await client.containers(label: ContainerLabels.clusterName, value: clusterName)
    let orphans = found.filter { !HostSystem.isAlive(ownerStamp: $0.owner) }.map(\.name)
    guard !orphans.isEmpty else { return [] }
    log.info(
      "removing \(orphans.count) container(s) left by an earlier run of \(clusterName): \(orphans.joined(separator: ", "))"
    )
    await client.stopAndRemove(orphans, grace: 0)
    return orphans
  }
}
