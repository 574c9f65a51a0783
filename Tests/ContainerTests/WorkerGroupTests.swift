import Foundation
import Logging
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport
import ShoalWire
import Synchronization
import Testing

/// Issue 15's acceptance test: a cluster of two worker groups, `local` (local
/// processes; priority 0, maximum 2) and `burst` (podman containers; priority 1,
/// maximum 2, resource `special: 1`), under one adaptive policy. Plain tasks stay
/// local until it is full, then burst; `special` tasks start `burst` from 0 and run
/// only there; a `gpu` task fails at once; both groups return to 0 when idle; every
/// task runs exactly once. (In the serialized container suite.)
extension ContainerClusterTests {
  static func groupedConfig(_ name: String) throws -> ShoalConfig {
    let pace = "interval: 0.2, wait_count: 3, target_duration: 0.1"
    let yaml = """
      version: 1
      clusters:
        \(name):
          timeouts: {start: 120s}
          groups:
            local:
              cluster_kwargs: {threads_per_worker: 1}
              adapt_kwargs: {minimum: 0, maximum: 2, \(pace)}
            burst:
              cluster_class: ContainerBackend.ContainerCluster
              cluster_kwargs: {runtime: podman, stop_grace: 5}
              adapt_kwargs: {minimum: 0, maximum: 2, \(pace)}
              resources: {special: 1}
              priority: 1
      """
    let path = try TemporaryDirectory.write(yaml)
    return try ShoalConfig.load(file: path, environment: [:])
  }

  /// Runs `runtime`, then closes it and waits for `run()` to return.
  static func running(
    _ runtime: ClusterRuntime, _ body: @Sendable (ClusterEndpoint) async throws -> Void
  ) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await runtime.run() }
      let result: Result<Void, any Error>
      do {
        result = .success(try await body(try await runtime.ready()))
      } catch {
        result = .failure(error)
      }
      runtime.close()
      while let _ = try? await group.next() {}
      try result.get()
    }
  }

  /// Connected workers by group, from `shoal ps`'s view of the runtime.
  static func connected(_ runtime: ClusterRuntime) async -> [String: [String]] {
    let status = await runtime.status()
    var groups: [String: [String]] = [:]
    for worker in status.workers where worker.slots > 0 && !worker.retiring {
      groups[worker.group ?? "?", default: []].append(worker.name)
    }
    return groups
  }

  @Test func workerGroupsFillByPriorityAndResources() async throws {
    Podman.configureProcess()
    _ = try Podman.image.get()
    let name = "s15-\(UUID().uuidString.prefix(6).lowercased())"
    defer { Podman.removeAll(label: "shoal.cluster-name", value: "\(name)-burst") }
    let spec = try Self.groupedConfig(name).cluster(named: name)
    var logger = Logger(label: "test.groups")
    logger.logLevel = .warning
    let stateRoot = try TemporaryDirectory.make("s15-state")
    defer { try? FileManager.default.removeItem(atPath: stateRoot) }
    let runtime = try ClusterRuntime(
      spec: spec, loader: PluginLoader(searchPath: .standard(environment: [:])),
      options: ClusterOptions(
        workerExecutable: BuildProducts.shoal, stateFolder: StateFolder(root: stateRoot)),
      logger: logger)
    try await Self.running(runtime) { endpoint in
      #expect(await runtime.status().workers.isEmpty)
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      // Each task echoes its tag: its output says which task ran, its result where.
      func task(_ tag: String, seconds: Double, special: Bool = false) throws -> TaskSpec {
        var spec = TaskSpec.shell("sh", ["-c", "sleep \(seconds); echo \(tag)"])
        if special { spec.resources = try ResourceSet(parsing: "special=1") }
        return spec
      }

      // 1. A gpu task fails at once, with the reason.
      let started = ContinuousClock.now
      let gpu = try await executor.submit(
        { () throws -> TaskSpec in
          var spec = try task("gpu", seconds: 0)
          spec.resources = try ResourceSet(parsing: "gpu=1")
          return spec
        }()
      ).result
      #expect(ContinuousClock.now - started < .seconds(5))
      #expect(gpu.status == .rejected)
      #expect(gpu.message?.contains("no worker can ever have resources gpu=1") == true, "\(gpu)")
      #expect(gpu.message?.contains("burst {cpu=1,special=1}") == true, "\(gpu)")

      // 2. Two plain tasks: local only.
      let few = try await executor.map([task("p0", seconds: 2), task("p1", seconds: 2)])
      #expect(few.allSatisfy { $0.status == .succeeded }, "\(few)")
      #expect(
        few.allSatisfy { $0.worker?.hasPrefix("\(name)-local-") == true }, "\(few.map(\.worker))")

      // 3. Special tasks start `burst` from 0 and run only there.
      let burstStart = ContinuousClock.now
      let specials = executor.submit(
        try (0..<4).map { try task("s\($0)", seconds: 1, special: true) })
      var firstBurst: Duration?
      while firstBurst == nil && ContinuousClock.now - burstStart < .seconds(120) {
        if await Self.connected(runtime)["burst"]?.isEmpty == false {
          firstBurst = ContinuousClock.now - burstStart
        }
        try await Task.sleep(for: .milliseconds(50))
      }
      let specialResults = try await executor.gather(specials)
      #expect(specialResults.allSatisfy { $0.status == .succeeded }, "\(specialResults)")
      #expect(
        specialResults.allSatisfy { $0.worker?.contains("\(name)-burst-") == true },
        "\(specialResults.map(\.worker))")
      #expect(
        specialResults.map { String(decoding: $0.output, as: UTF8.self) }
          == (0..<4).map { "s\($0)\n" })
      print(
        "s15 figure: burst of special tasks to the first `burst` worker: \(firstBurst.map { "\($0.seconds)" } ?? "never") s"
      )
      #expect(firstBurst != nil)

      // Idle: both groups back to their minimum (0).
      let idleBy = ContinuousClock.now + .seconds(90)
      while ContinuousClock.now < idleBy {
        if await Self.connected(runtime).isEmpty
          && (try? Podman.containers(label: "shoal.cluster-name", value: "\(name)-burst"))?.isEmpty
            == true
        {
          break
        }
        try await Task.sleep(for: .milliseconds(200))
      }
      #expect(await Self.connected(runtime).isEmpty)
      #expect(try Podman.containers(label: "shoal.cluster-name", value: "\(name)-burst").isEmpty)

      // 4. Many plain tasks: local fills to 2, then it bursts; none lost or run twice.
      let peak = Mutex<[String: Int]>([:])
      let handles = executor.submit(try (0..<16).map { try task("m\($0)", seconds: 1.5) })
      while handles.contains(where: { !$0.isFinished }) {
        let now = await Self.connected(runtime)
        peak.withLock { peak in
          for (group, names) in now { peak[group] = max(peak[group] ?? 0, names.count) }
        }
        try await Task.sleep(for: .milliseconds(100))
      }
      let many = try await executor.gather(handles)
      #expect(many.allSatisfy { $0.status == .succeeded }, "\(many)")
      #expect(
        many.map { String(decoding: $0.output, as: UTF8.self) } == (0..<16).map { "m\($0)\n" })
      let workers = Set(many.compactMap(\.worker))
      #expect(workers.contains { $0.hasPrefix("\(name)-local-") })
      #expect(workers.contains { $0.contains("\(name)-burst-") }, "never burst: \(workers)")
      let peaks = peak.withLock { $0 }
      #expect(peaks["local"] == 2, "\(peaks)")
      #expect((peaks["burst"] ?? 0) <= 2, "\(peaks)")
      let status = await runtime.status()
      #expect(status.completed == 2 + 4 + 16)
      // The decisions name their group (the last 20 are kept: this burst's are there).
      let decisions = status.adaptive?.decisions ?? []
      for group in ["local", "burst"] {
        #expect(
          decisions.contains { $0.action == .up && $0.reason.hasPrefix("group \(group): ") },
          "\(decisions.map(\.description))")
      }
      await executor.close()
    }
    #expect(try Podman.containers(label: "shoal.cluster-name", value: "\(name)-burst").isEmpty)
  }
}
