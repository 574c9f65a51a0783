import Foundation
import Logging
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport
import ShoalWire
import Synchronization
import Testing

/// Whole SSH clusters: the in-process scheduler listening on the veth address, real
/// `shoal worker` processes started over SSH inside the namespaces, work submitted
/// with the Executor.
@Suite(
  .serialized,
  .enabled(
    if: Integration.runs(missing: SSHHosts.unavailableReason),
    "\(SSHHosts.unavailableReason ?? "")"),
  .failsWithout(SSHHosts.unavailableReason))
struct SSHClusterTests {
  static let loader = PluginLoader(searchPath: .standard(environment: [:]))

  static let logger: Logger = {
    var logger = Logger(label: "test.ssh")
    logger.logLevel = .critical
    return logger
  }()

  /// A runtime for an SSH cluster over `hosts` with the given `hosts:` list and extra kwargs.
  func runtime(
    _ hosts: SSHHosts, entries: String, extra: String = "", adapt: String? = nil,
    worker: String = "{nthreads: 1, give_up_after: 5}", logger: Logger = SSHClusterTests.logger
  ) throws -> ClusterRuntime {
    let yaml = """
      version: 1
      clusters:
        lab:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs:
            hosts: \(entries)
            connect_options: \(hosts.connectOptions())
            scheduler_options: {host: \(hosts.schedulerHost)}
            worker_options: \(worker)
      \(extra.isEmpty ? "" : "      " + extra)
      \(adapt.map { "    adapt_kwargs: \($0)" } ?? "")
      """
    let path = try TemporaryDirectory.write(yaml)
    let config = try ShoalConfig.load(file: path, environment: [:])
    return try ClusterRuntime(
      spec: try config.cluster(named: "lab"), loader: SSHClusterTests.loader,
      options: ClusterOptions(
        workerExecutable: BuildProducts.shoal,
        stateFolder: StateFolder(root: try TemporaryDirectory.make("shoal-state"))),
      logger: logger)
  }

  /// Runs `runtime` while `body` runs, then closes it and waits for `run()`.
  func running<T: Sendable>(
    _ runtime: ClusterRuntime, _ body: @Sendable (ClusterEndpoint) async throws -> T
  ) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask {
        try await runtime.run()
        return nil
      }
      let result: Result<T, any Error>
      do {
        result = .success(try await body(try await runtime.ready()))
      } catch {
        result = .failure(error)
      }
      runtime.close()
      while let _ = try? await group.next() {}
      return try result.get()
    }
  }

  /// Workers per host address, from the backend's view.
  func perHost(_ runtime: ClusterRuntime) async -> [String: Int] {
    var counts: [String: Int] = [:]
    for worker in await runtime.backend.workers() where !worker.state.isFinal {
      counts[worker.location ?? "?", default: 0] += 1
    }
    return counts
  }

  /// Connected workers (the scheduler's view).
  func connected(_ runtime: ClusterRuntime) async -> Int {
    await runtime.status().workers.filter { $0.slots > 0 }.count
  }

  /// Processes on host `index` other than its sshd listener.
  func workerProcesses(_ hosts: SSHHosts, _ index: Int) -> [Int32] {
    hosts.processes(on: index).filter { $0 != hosts.machines[index].sshd }
  }

  /// `shoal worker` processes on host `index`.
  func shoalWorkers(_ hosts: SSHHosts, _ index: Int) -> [Int32] {
    hosts.processes(on: index).filter { pid in
      let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
      let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
      return arguments.count > 1 && arguments[0].hasSuffix("/shoal") && arguments[1] == "worker"
    }
  }

  @Test func workersOnTwoHostsRunTasks() async throws {
    let hosts = try SSHHosts(count: 2)
    defer { hosts.close() }
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    // Host a's entry sets a variable for its workers.
    let runtime = try runtime(hosts, entries: "[{host: \(a), env: {WHERE: first}}, \(b)]")
    try await running(runtime) { endpoint in
      #expect(await perHost(runtime) == [a: 1, b: 1])
      // The token is on no command line, local or remote (one pid namespace here).
      #expect(localProcesses(containing: endpoint.token).isEmpty)
      #expect(shoalWorkers(hosts, 0).count == 1 && shoalWorkers(hosts, 1).count == 1)
      let workerHost = Dictionary(
        uniqueKeysWithValues: await runtime.backend.workers().map { ($0.name, $0.location ?? "") })
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      // Each task reports the network namespace's address it ran in.
      let specs = (0..<8).map { index in
        TaskSpec.shell(
          "sh",
          [
            "-c",
            "sleep 0.2; ip -4 -o addr show scope global | awk '{print $4}'; echo ${WHERE:-none}; echo \(index)",
          ])
      }
      let results = try await executor.map(specs)
      await executor.close()
      #expect(results.map(\.status) == Array(repeating: .succeeded, count: 8))
      for (index, result) in results.enumerated() {
        let lines = String(decoding: result.output, as: UTF8.self).split(separator: "\n")
        #expect(lines.last.map(String.init) == "\(index)")
        let ranOn = workerHost[result.worker ?? ""] ?? "?"
        #expect(lines.first.map(String.init) == "\(ranOn)/30", "task \(index) on \(ranOn)")
        #expect(lines.dropFirst().first.map(String.init) == (ranOn == a ? "first" : "none"))
      }
      #expect(Set(results.compactMap { workerHost[$0.worker ?? ""] }) == [a, b])
    }
    // Closed: no worker process is left on either host.
    #expect(
      await eventually { workerProcesses(hosts, 0).isEmpty && workerProcesses(hosts, 1).isEmpty })
  }

  @Test func uploadedShoalRunsTheUploadedTaskLibrary() async throws {
    let hosts = try SSHHosts(count: 2)
    defer { hosts.close() }
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    let folder = hosts.directory + "/uploaded"
    let runtime = try runtime(
      hosts, entries: "[\(a), \(b)]", extra: "upload: {directory: \(folder)}",
      worker: "{task_libraries: [TestTasks], give_up_after: 5}")
    try await running(runtime) { endpoint in
      // The workers run the uploaded shoal, which loads the uploaded library.
      for index in 0..<2 {
        for pid in shoalWorkers(hosts, index) {
          let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
          let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
          #expect(arguments.first == folder + "/shoal")
          #expect(arguments.contains("TestTasks"))
        }
      }
      #expect(FileManager.default.fileExists(atPath: folder + "/libTestTasks.so"))
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let specs = (1...6).map { value in
        TaskSpec(
          .swift(
            SwiftTaskCall(
              library: "TestTasks", name: "Square", inputType: "Swift.Int",
              outputType: "Swift.Int", input: Array("\(value)".utf8))))
      }
      let results = try await executor.map(specs)
      await executor.close()
      #expect(
        results.map(\.status) == Array(repeating: .succeeded, count: 6), "\(results.map(\.message))"
      )
      #expect(
        results.map { String(decoding: $0.output, as: UTF8.self) } == [
          "1", "4", "9", "16", "25", "36",
        ])
    }
  }

  @Test func scaleSpreadsAcrossHostsAndBack() async throws {
    let hosts = try SSHHosts(count: 2)
    defer { hosts.close() }
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    let runtime = try runtime(
      hosts, entries: "[{host: \(a), slots: 2}, {host: \(b), slots: 2}]", extra: "n_workers: 1")
    try await running(runtime) { _ in
      #expect(await connected(runtime) == 1)
      try await runtime.scale(to: 4)
      #expect(await eventually { await connected(runtime) == 4 })
      #expect(await perHost(runtime) == [a: 2, b: 2])
      #expect(shoalWorkers(hosts, 0).count == 2 && shoalWorkers(hosts, 1).count == 2)
      // Beyond the pool's 4 slots: clamped.
      try await runtime.scale(to: 9)
      #expect(await perHost(runtime) == [a: 2, b: 2])
      try await runtime.scale(to: 1)
      #expect(await eventually { await connected(runtime) == 1 })
      #expect(await perHost(runtime).values.reduce(0, +) == 1)
      // The stopped workers' processes are gone from their hosts.
      #expect(await eventually { shoalWorkers(hosts, 0).count + shoalWorkers(hosts, 1).count == 1 })
    }
    #expect(
      await eventually { workerProcesses(hosts, 0).isEmpty && workerProcesses(hosts, 1).isEmpty })
  }

  @Test func aHostDyingMidRunHasItsTasksReRunOnTheOther() async throws {
    let hosts = try SSHHosts(count: 2)
    defer { hosts.close() }
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    let runtime = try runtime(
      hosts, entries: "[{host: \(a), slots: 2}, {host: \(b), slots: 2}]", extra: "n_workers: 2")
    let marks = try TemporaryDirectory.make("shoal-marks")
    try await running(runtime) { endpoint in
      #expect(await perHost(runtime) == [a: 1, b: 1])
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let count = 12
      let handles = executor.submit(
        (0..<count).map { index in
          TaskSpec.shell("sh", ["-c", "touch \(marks)/started-\(index); sleep 0.5; echo \(index)"])
        })
      // Once host b has started a task, it dies: sshd, sessions and workers.
      let bWorkers = Set(await runtime.backend.workers().filter { $0.location == b }.map(\.name))
      #expect(
        await eventually {
          ((try? FileManager.default.contentsOfDirectory(atPath: marks)) ?? []).count >= 3
        })
      hosts.killHost(1)
      let results = try await executor.gather(handles)
      await executor.close()
      // Every result arrives, once, in order; b's unfinished tasks ran on a.
      #expect(results.count == count)
      #expect(results.map(\.status) == Array(repeating: .succeeded, count: count))
      #expect(
        results.map { String(decoding: $0.output, as: UTF8.self) } == (0..<count).map { "\($0)\n" })
      let late = results.suffix(4).compactMap(\.worker)
      #expect(late.allSatisfy { !bWorkers.contains($0) }, "\(late) \(bWorkers)")
      // The lost worker is replaced on the surviving host.
      #expect(await eventually { await perHost(runtime) == [a: 2] })
      #expect(await eventually { await connected(runtime) == 2 })
    }
  }

  @Test func adaptiveScalesWithinThePoolAndBackToTheMinimum() async throws {
    let hosts = try SSHHosts(count: 2)
    defer { hosts.close() }
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    let runtime = try runtime(
      hosts, entries: "[{host: \(a), slots: 2}, {host: \(b), slots: 2}]",
      adapt: "{minimum: 0, maximum: 10, interval: 0.2, wait_count: 2, target_duration: 1}")
    // The maximum is clamped to the pool's 4 slots.
    #expect(runtime.adaptSettings?.maximum == 4)
    try await running(runtime) { endpoint in
      #expect(await connected(runtime) == 0)
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let count = 24
      let handles = executor.submit(
        (0..<count).map { TaskSpec.shell("sh", ["-c", "sleep 0.5; echo \($0)"]) })
      #expect(await eventually(60) { await perHost(runtime) == [a: 2, b: 2] })
      let results = try await executor.gather(handles)
      await executor.close()
      #expect(
        results.map { String(decoding: $0.output, as: UTF8.self) } == (0..<count).map { "\($0)\n" })
      let idle = await eventually(60) {
        let placed = await perHost(runtime)
        let count = await connected(runtime)
        return placed.isEmpty && count == 0
      }
      #expect(idle)
      #expect(await eventually { shoalWorkers(hosts, 0).isEmpty && shoalWorkers(hosts, 1).isEmpty })
    }
  }

  /// `shoal up --detach`, then the cluster process is SIGKILLed: nothing can close
  /// the cluster in order. The remote workers exit once they give up on the scheduler
  /// (`give_up_after`, 5 s here), which ends their sessions; the idle master
  /// connections exit after `ControlPersist` (30 s).
  @Test func aKilledShoalLeavesNoProcessOnAnyHost() async throws {
    let hosts = try SSHHosts(count: 2)
    defer { hosts.close() }
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    let yaml = """
      version: 1
      clusters:
        lab:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs:
            hosts: [\(a), \(b)]
            connect_options: \(hosts.connectOptions())
            scheduler_options: {host: \(hosts.schedulerHost)}
            worker_options: {give_up_after: 5}
      """
    let config = try TemporaryDirectory.write(yaml)
    let state = try TemporaryDirectory.make("shoal-state")
    let up = try CommandRunner.shoal(
      ["up", "lab", "--detach", "--config", config], environment: ["SHOAL_STATE_DIR": state],
      timeout: 120)
    #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
    #expect(shoalWorkers(hosts, 0).count == 1 && shoalWorkers(hosts, 1).count == 1)
    let owner = localProcesses(containing: "--detached-child").filter { pid in
      let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
      return String(decoding: data, as: UTF8.self).contains(config)
    }
    #expect(owner.count == 1)
    #expect(!localProcesses(containing: state).isEmpty)
    for pid in owner { kill(pid, SIGKILL) }
    #expect(
      await eventually(30) { shoalWorkers(hosts, 0).isEmpty && shoalWorkers(hosts, 1).isEmpty })
    #expect(
      await eventually(30) {
        workerProcesses(hosts, 0).isEmpty && workerProcesses(hosts, 1).isEmpty
      })
    #expect(await eventually(60) { localProcesses(containing: state).isEmpty })
    for pid in localProcesses(containing: state) { kill(pid, SIGKILL) }
  }

  @Test func anUnreachableHostIsRoutedAroundAndRejoinsWhenBack() async throws {
    let hosts = try SSHHosts(count: 2, withoutSSHD: [1])
    defer { hosts.close() }
    let (a, b) = (hosts.machines[0].address, hosts.machines[1].address)
    let log = SSHClusterHarness.Log()
    var logger = Logger(label: "test.ssh") { _ in CapturingHandler(log: log) }
    logger.logLevel = .info
    let runtime = try runtime(
      hosts, entries: "[{host: \(a), slots: 2}, {host: \(b), slots: 2}]", extra: "n_workers: 2",
      logger: logger)
    try await running(runtime) { _ in
      // Both initial workers went to a; b is named as unreachable.
      #expect(await perHost(runtime) == [a: 2])
      #expect(log.contains("host `\(b)`: unreachable"), "\(log.text)")
      // A third worker can only go to b: scale succeeds partially and says why.
      try await runtime.scale(to: 3)
      #expect(await perHost(runtime) == [a: 2])
      #expect(
        log.contains("2 of 3 workers placed; hosts in backoff: \(b): unreachable"), "\(log.text)")
      // b is retried with backoff (2 s, 4 s, ...), not on every 1 s tick.
      try await Task.sleep(for: .seconds(5))
      let attempts = log.all.filter { $0.contains("host `\(b)`: unreachable") }.count
      #expect(attempts <= 3, "\(attempts) attempts in 5 s")
      // Back: b gets the third worker.
      try hosts.startSSHD(1)
      #expect(await eventually(60) { await perHost(runtime) == [a: 2, b: 1] })
      #expect(await eventually { await connected(runtime) == 3 })
      #expect(log.contains("host `\(b)` is usable again"))
    }
  }
}

/// A swift-log handler that appends to a test log.
struct CapturingHandler: LogHandler {
  let log: SSHClusterHarness.Log
  var logLevel: Logger.Level = .info
  var metadata: Logger.Metadata = [:]
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
  func log(
    level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
    file: String, function: String, line: UInt
  ) {
    self.log.append("\(level): \(message)")
  }
}
