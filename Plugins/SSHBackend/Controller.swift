import SSHSupport
import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The running SSH cluster: the hosts' connections and health, the desired worker
/// count and the workers placed, reconciled on every request and every second.
///
/// Only `SSHCluster.run` calls it, one request at a time, so its state needs no
/// further locking; host work inside one request runs in parallel.
actor Controller {
  /// What the controller knows about one host.
  struct HostState: Sendable {
    var connection: HostConnection
    var health = HostHealth()
    /// Connected and checked since the last failure.
    var ready = false
    /// The remote `shoal`, and the node that set it.
    var remoteShoal: String
    var remoteShoalNode: Kwargs?
    /// Whether this host ever got a connection (and so may hold workers to clean up).
    var touched = false
  }

  /// A worker placed on a host.
  struct Placed: Sendable {
    var host: Int
    var serial: Int
  }

  let configuration: Configuration
  let context: ClusterContext
  let supervisor: ProcessSupervisor
  let workerAddress: String
  let localVersion: String
  let upload: Upload?
  let logDirectory: String
  let publish: @Sendable ([String: String]) -> Void
  var hosts: [HostState]
  var placed: [String: Placed] = [:]
  var desired = 0
  var serial = 0
  /// The last "cannot place" message, so that it is logged once, not every tick.
  var lastShortfall: String?

  nonisolated var log: EventLog { context.log }

  /// Workers are named `PREFIX-N`, PREFIX being `NAME-ssh` for the cluster name NAME
  /// (`CLUSTER-GROUP` for a worker group's backend): the workers of two SSH groups of
  /// one cluster, or of two clusters, never share a name.
  nonisolated var workerPrefix: String {
    StateDirectories.safeName(context.clusterName) + "-ssh"
  }

  init(
    configuration: Configuration, context: ClusterContext, supervisor: ProcessSupervisor,
    workerAddress: String, localVersion: String, upload: Upload?, directories: StateDirectories,
    publish: @escaping @Sendable ([String: String]) -> Void
  ) {
    self.configuration = configuration
    self.context = context
    self.supervisor = supervisor
    self.workerAddress = workerAddress
    self.localVersion = localVersion
    self.upload = upload
    self.logDirectory = directories.logs
    self.publish = publish
    let remoteRoot = "/tmp/shoal-\(StateDirectories.safeName(context.clusterID))"
    hosts = configuration.hosts.map { host in
      let line = SSHCommandLine(
        host: host, settings: configuration.connect,
        controlPath: directories.controlPath(for: host.index))
      let connection = HostConnection(
        line: line, scratch: directories.scratch, remoteDirectory: "\(remoteRoot)/\(host.index)")
      let remoteShoal =
        upload.map { "\($0.directory)/shoal" } ?? host.remoteShoal ?? context.workerExecutable
      return HostState(
        connection: connection, remoteShoal: remoteShoal, remoteShoalNode: host.remoteShoalNode)
    }
  }

  // MARK: start and stop

  /// Connects to and checks every host in parallel. Throws when no host is usable
  /// (the error lists each host and why); otherwise logs each failed host, which
  /// stays in backoff and is retried later.
  func start() async throws {
    let failures = await prepare(Array(hosts.indices))
    guard failures.count == hosts.count else { return }
    if failures.count == 1 { throw failures[0].error }
    throw ShoalError(
      .connectionFailed,
      "no host of the SSH cluster is usable:\n"
        + failures.map { "  \($0.description)" + ($0.hint.map { " (\($0))" } ?? "") }
        .joined(separator: "\n"),
      hint: failures.compactMap(\.hint).first)
  }

  /// Stops every worker on every host and closes the master connections.
  func close() async {
    let names = Array(placed.keys)
    await withTaskGroup(of: Void.self) { group in
      for state in hosts where state.touched {
        let connection = state.connection
        group.addTask {
          if let failure = await connection.stopWorkers([], grace: .seconds(10)) {
            self.log.warning(
              "\(failure); its workers end on their own when the connection or scheduler is gone")
          }
        }
      }
    }
    await supervisor.stop(names)
    supervisor.forget(names)
    placed.removeAll()
    desired = 0
    publishPlacement()
    await withTaskGroup(of: Void.self) { group in
      for state in hosts where state.touched {
        let connection = state.connection
        group.addTask { await connection.disconnect() }
      }
    }
  }

  // MARK: requests

  /// Makes `count` workers exist (clamped to the pool's capacity).
  func scale(to count: Int) async throws {
    let capacity = configuration.capacity
    if count > capacity {
      log.warning(
        "asked for \(count) workers; the SSH pool holds \(capacity) (\(poolDescription)): scaling to \(capacity)"
      )
    }
    desired = max(0, min(count, capacity))
    try await reconcile()
  }

  /// Stops the named workers (the scheduler retired them) and lowers the desired count.
  func stop(workers names: [String]) async {
    let known = names.filter { placed[$0] != nil }
    desired = max(0, desired - known.count)
    await stopPlaced(known)
  }

  /// Looks at exits, fixes the count; called every second.
  func tick() async {
    do {
      try await reconcile()
    } catch {
      log.error("\(error)")
    }
  }

  // MARK: reconciling

  /// Collects exited workers, then starts or stops workers until `desired` are placed
  /// (as far as the usable hosts allow). Throws when workers were wanted and no host
  /// could take any.
  func reconcile() async throws {
    collectExits()
    var failures: [HostFailure] = []
    while placed.count < desired {
      let now = ContinuousClock.now
      let slots = hosts.indices.map { index in
        Placement.Slot(
          host: index, slots: configuration.hosts[index].slots,
          used: placed.values.filter { $0.host == index }.count,
          usable: hosts[index].health.usable(at: now))
      }
      let targets = Placement.additions(desired - placed.count, hosts: slots)
      if targets.isEmpty { break }
      let unready = Set(targets).filter { !hosts[$0].ready }.sorted()
      if !unready.isEmpty {
        failures += await prepare(unready)
        continue
      }
      for host in targets { await launch(on: host) }
    }
    if placed.count > desired {
      let workers = placed.map {
        Placement.Placed(name: $0.key, host: $0.value.host, serial: $0.value.serial)
      }
      await stopPlaced(Placement.removals(placed.count - desired, workers: workers))
    }
    try reportShortfall(failures)
  }

  /// Logs (once) that fewer workers run than wanted, and throws when none could start.
  private func reportShortfall(_ failures: [HostFailure]) throws {
    guard placed.count < desired else {
      lastShortfall = nil
      return
    }
    let waiting = hosts.indices.filter { hosts[$0].health.isFailing }.map { index in
      "\(hosts[index].connection.host): \(hosts[index].health.reason ?? "failing")"
    }
    let message =
      "\(placed.count) of \(desired) workers placed; hosts in backoff: "
      + (waiting.isEmpty ? "none" : waiting.joined(separator: "; "))
    if message != lastShortfall {
      log.warning(message)
      lastShortfall = message
    }
    if placed.isEmpty, !failures.isEmpty {
      if failures.count == 1 { throw failures[0].error }
      throw ShoalError(
        .connectionFailed,
        "no worker could start:\n" + failures.map { "  \($0)" }.joined(separator: "\n"),
        hint: failures.compactMap(\.hint).first)
    }
  }

  /// Connects, uploads and checks the given hosts in parallel; marks each ready or
  /// failed; returns the failures.
  func prepare(_ indices: [Int]) async -> [HostFailure] {
    let jobs = indices.map { (index: $0, state: hosts[$0]) }
    let masterLogs = indices.map { "\(logDirectory)/\(workerPrefix)-master-\($0).log" }
    let upload = self.upload
    let version = localVersion
    let results = await withTaskGroup(of: (Int, HostFailure?, [String]).self) { group in
      for (job, masterLog) in zip(jobs, masterLogs) {
        group.addTask {
          let connection = job.state.connection
          do {
            try await connection.connect(masterLog: masterLog)
            let copied = try await upload?.run(on: connection) ?? []
            try await connection.probe(
              remoteShoal: job.state.remoteShoal, node: job.state.remoteShoalNode, version: version)
            return (job.index, nil, copied)
          } catch let failure as HostFailure {
            return (job.index, failure, [])
          } catch {
            return (job.index, HostFailure(host: connection.host, reason: "\(error)"), [])
          }
        }
      }
      var results: [(Int, HostFailure?, [String])] = []
      for await result in group { results.append(result) }
      return results
    }
    var failures: [HostFailure] = []
    for (index, failure, copied) in results.sorted(by: { $0.0 < $1.0 }) {
      hosts[index].touched = true
      if let failure {
        hosts[index].ready = false
        let delay = hosts[index].health.failed(failure.reason, at: ContinuousClock.now)
        log.error("\(failure.error); retrying it in \(delay.text)")
        failures.append(failure)
      } else {
        if hosts[index].health.isFailing {
          log.info("host `\(hosts[index].connection.host)` is usable again")
        }
        hosts[index].ready = true
        hosts[index].health.succeeded()
        if !copied.isEmpty {
          log.info("uploaded \(copied.joined(separator: ", ")) to \(hosts[index].connection.host)")
        }
      }
    }
    return failures
  }

  /// A description of the pool for messages: `node1: 2, node2: 4`.
  nonisolated var poolDescription: String {
    configuration.hosts.map { "\($0): \($0.slots)" }.joined(separator: ", ")
  }
}
