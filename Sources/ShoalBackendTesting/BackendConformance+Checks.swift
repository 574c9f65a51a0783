import Foundation
import ShoalCore
import ShoalPluginHost
import ShoalWire

#if canImport(Glibc)
  import Glibc
#endif

extension BackendConformance {
  /// The kwargs as the core hands them over: rooted at their key path in clusters.yaml.
  var rootedKwargs: Kwargs { kwargs.rooted(at: BackendConformance.kwargsPath) }

  /// Where the kit pretends the kwargs come from.
  static let kwargsPath = "clusters.conformance.cluster_kwargs"

  /// Loads the class the way the core does.
  func resolveBackend(check: Check) throws -> ResolvedBackend {
    do {
      return try ConformanceEnvironment.loader(explicit: pluginPath).backend(clusterClass)
    } catch let error as ShoalError where error.code == .pluginNotFound {
      // The loader's hint is for `shoal` (--plugin-path); a test sets the path otherwise.
      throw ConformanceFailure(
        check: check.name,
        "cannot load `\(clusterClass)`: \(error.message)\n"
          + "  hint: build the plugin library (`swift test` does; with --skip-build, run"
          + " `swift build --build-tests` first), or point the kit at the folder that holds it:"
          + " `BackendConformance(..., pluginPath: [FOLDER])` or $SHOAL_PLUGIN_PATH")
    } catch {
      throw ConformanceFailure(
        check: check.name,
        "cannot load `\(clusterClass)`: \(error)\n  (a library built before your last change"
          + " is out of date: `swift build --build-tests`, or `swift test` without --skip-build)")
    }
  }

  /// Loads the class and makes a backend the way the core does.
  func makeBackend(check: Check, kwargs: Kwargs) throws -> any ClusterBackend {
    let resolved = try resolveBackend(check: check)
    do {
      return try resolved.make(kwargs)
    } catch {
      throw ConformanceFailure(
        check: check.name, "`\(clusterClass)` refused the kit's cluster_kwargs \(kwargs): \(error)")
    }
  }

  func checkStart() async throws {
    try await ConformanceCluster.with(self, check: .start) { cluster in
      try await cluster.scale(to: workers)
      let result = try await cluster.runTask(.shell("echo", ["conformance"]))
      guard result.status == .succeeded,
        String(decoding: result.output, as: UTF8.self) == "conformance\n"
      else { throw cluster.failure("a task on the new workers did not succeed: \(result)") }
    }
  }

  func checkScaleUp() async throws {
    try await ConformanceCluster.with(self, check: .scaleUp) { cluster in
      try await cluster.scale(to: workers)
      try await cluster.scale(to: workers + 1)
    }
  }

  func checkScaleDownWithRetirement() async throws {
    try await ConformanceCluster.with(self, check: .scaleDownWithRetirement) { cluster in
      try await cluster.scale(to: workers + 1)
      // Keep one worker busy, then retire exactly that one, as the core may have to.
      let busyTask = try await cluster.startTask(.shell("sleep", ["2"]))
      var busy: String?
      try await cluster.waitUntil("a worker running the task") {
        busy = await cluster.scheduler.load().workers.first { $0.running > 0 }?.name
        return busy != nil
      }
      guard let busy else { return }
      try await cluster.retireAndStop([busy])
      let result = try await busyTask.result()
      guard result.status == .succeeded else {
        throw cluster.failure("the task on retired worker \(busy) did not succeed: \(result)")
      }
      try await cluster.waitForSize(workers)
      if await cluster.liveWorkers().contains(busy) {
        throw cluster.failure("stopped worker \(busy) is still reported as live")
      }
      // A retired worker may leave by itself, so that alone does not prove that
      // `stop(workers:)` stops anything: stop an idle worker that was not retired.
      guard let idle = await cluster.connectedWorkers().sorted().first else {
        throw cluster.failure("no worker left connected after the scale-down")
      }
      do {
        try await cluster.backend.stop(workers: [idle])
      } catch {
        throw cluster.failure("stop(workers: [\(idle)]) threw: \(error)")
      }
      try await cluster.waitUntil(
        "stop(workers: [\(idle)]) on an idle worker that was not retired to make it disconnect"
          + " from the scheduler and leave workers() (as live)"
      ) {
        let connected = await cluster.connectedWorkers()
        let live = await cluster.liveWorkers()
        return !connected.contains(idle) && !live.contains(idle)
      }
    }
  }

  func checkWorkerDeath() async throws {
    try await ConformanceCluster.with(self, check: .workerDeath) { cluster in
      try await cluster.scale(to: 1)
      guard let victim = await cluster.connectedWorkers().first else {
        throw cluster.failure("no worker connected after scale(to: 1)")
      }
      // The first run kills its own worker (the shell's parent) with SIGKILL, then
      // itself, so that nothing of it outlives the check; the scheduler requeues the
      // task, which then succeeds on a replacement.
      let marker = cluster.context.stateDirectory + "/killed-once"
      let task = try await cluster.startTask(
        .shell(
          "sh", ["-c", "[ -e '\(marker)' ] || { touch '\(marker)'; kill -9 $PPID; kill -9 $$; }"]))
      try await cluster.waitUntil("the backend to report that \(victim) died (exited or restarted)")
      {
        await cluster.backend.workers().contains {
          $0.name == victim && ($0.restarts > 0 || $0.state.isFinal)
        }
      }
      // A backend that does not restart workers is scaled back by the core.
      if await cluster.liveWorkers().isEmpty { try await cluster.backend.scale(to: 1) }
      try await cluster.waitForSize(1)
      let result = try await task.result()
      guard result.status == .succeeded else {
        throw cluster.failure(
          "the task whose worker died did not succeed on a replacement: \(result)")
      }
    }
  }

  func checkAdaptSettings() async throws {
    try await ConformanceCluster.with(self, check: .adaptSettings) { cluster in
      let requested = AdaptSettings(minimum: 1, maximum: workers + 1)
      let settings: AdaptSettings
      do {
        settings = try cluster.backend.adapt(requested)
      } catch {
        throw cluster.failure("adapt(\(requested)) threw for bounds the kit can run: \(error)")
      }
      guard settings.minimum >= requested.minimum,
        let maximum = settings.maximum, maximum <= workers + 1, settings.minimum <= maximum
      else {
        throw cluster.failure(
          "adapt(\(requested)) returned \(settings), which is not inside the requested bounds")
      }
      try await cluster.scale(to: maximum)
      let surplus = await cluster.scheduler.workersToClose(maximum - settings.minimum)
      try await cluster.retireAndStop(surplus)
      try await cluster.waitForSize(settings.minimum)
      // Bounds no machine can honour are refused with a ShoalError, or clamped.
      let impossible = AdaptSettings(minimum: Int(Int32.max), maximum: Int(Int32.max))
      do {
        let clamped = try cluster.backend.adapt(impossible)
        guard let maximum = clamped.maximum, clamped.minimum <= maximum else {
          throw cluster.failure("adapt(\(impossible)) returned inconsistent bounds \(clamped)")
        }
      } catch let error as ShoalError {
        guard !error.message.isEmpty else {
          throw cluster.failure("adapt(\(impossible)) threw a ShoalError without a message")
        }
      } catch let error as ConformanceFailure {
        throw error
      } catch {
        throw cluster.failure("adapt(\(impossible)) threw \(error), not a ShoalError")
      }
    }
  }

  func checkClose() async throws {
    var address = ""
    try await ConformanceCluster.with(self, check: .close) { cluster in
      address = cluster.context.schedulerAddress
      try await cluster.scale(to: workers + 1)
    }
    // `with` has cancelled run(context:) and waited for it to return.
    let deadline = ContinuousClock.now + .seconds(5)
    var left = ProcessTable.pids(mentioning: address)
    while !left.isEmpty && ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(50))
      left = ProcessTable.pids(mentioning: address)
    }
    guard left.isEmpty else {
      for pid in left { kill(pid, SIGKILL) }
      throw ConformanceFailure(
        check: Check.close.name,
        "after run(context:) returned, processes of the cluster are still running: pids \(left)")
    }
  }

  func checkKwargsErrors() throws {
    let check = Check.kwargsErrors
    let resolved = try resolveBackend(check: check)
    let key = "shoal_conformance_unknown_key"
    let cases: [(String, Kwargs, String?)] = [
      ("with the unknown key `\(key)`", rootedKwargs.setting(key, to: 1), key),
      ("that are a list", Kwargs(.list([1, 2]), path: BackendConformance.kwargsPath), nil),
    ]
    for (what, kwargs, key) in cases {
      let error: ShoalError
      do {
        _ = try resolved.make(kwargs)
        throw ConformanceFailure(check: check.name, "cluster_kwargs \(what) were accepted")
      } catch let shoal as ShoalError {
        error = shoal
      } catch let failure as ConformanceFailure {
        throw failure
      } catch {
        throw ConformanceFailure(
          check: check.name,
          "cluster_kwargs \(what) were refused with \(type(of: error)), not a ShoalError: \(error)")
      }
      guard let path = error.keyPath, path.hasPrefix(BackendConformance.kwargsPath) else {
        throw ConformanceFailure(
          check: check.name,
          "the error for cluster_kwargs \(what) has key path \(error.keyPath ?? "nil"),"
            + " not one under \(BackendConformance.kwargsPath): \(error)")
      }
      if let key, !error.description.contains(key) {
        throw ConformanceFailure(
          check: check.name, "the error for cluster_kwargs \(what) does not name `\(key)`: \(error)"
        )
      }
    }
  }
}
