extension PluginTemplate {
  /// `Sources/MODULE/CLASS.swift`: a backend that starts workers as local processes.
  static let backend = #"""
    import ShoalCore
    import Synchronization

    #if canImport(Glibc)
      import Glibc
    #elseif canImport(Musl)
      import Musl
    #endif

    /// A Shoal backend: each worker is a local `shoal worker` process, kept running by
    /// ShoalCore's `ProcessSupervisor` (restarted with backoff when it dies, stopped with
    /// SIGTERM, grace, SIGKILL). Select it in clusters.yaml:
    ///
    ///     clusters:
    ///       mine:
    ///         cluster_class: __MODULE__.__CLASS__
    ///         cluster_kwargs: {n_workers: 2, threads_per_worker: 1, max_workers: 8}
    ///         adapt_kwargs: {minimum: 0, maximum: 4}
    ///
    /// To start workers somewhere else (over ssh, as batch jobs, in containers), change
    /// `command(for:context:)`; the scale interface around it stays as it is.
    public final class __CLASS__: ClusterBackend {
      /// `cluster_kwargs`. Declaring the properties is declaring the accepted keys:
      /// `kwargs.decode(Options.self)` rejects any other key ("did you mean ...?") and
      /// reports wrong types with their file:line:col.
      struct Options: Decodable {
        var n_workers: Int?
        var threads_per_worker: Int?
        var max_workers: Int?
      }

      /// Workers to start with when the cluster is not adaptive.
      public let initialWorkers: Int
      /// Task slots per worker.
      let threadsPerWorker: Int
      /// The most workers this backend starts; adaptive `maximum` is clamped to it.
      let maxWorkers: Int

      private struct State {
        var context: ClusterContext?
        var supervisor: ProcessSupervisor?
        var names: [String] = []
        var nextIndex = 0
        var closed = false
      }
      private let state = Mutex(State())

      /// Validates `cluster_kwargs`; starts nothing (`shoal validate` calls this too).
      public init(kwargs: Kwargs) throws {
        let options = try kwargs.decode(Options.self)
        initialWorkers = options.n_workers ?? 1
        threadsPerWorker = options.threads_per_worker ?? 1
        maxWorkers = options.max_workers ?? 8
        if initialWorkers < 0, let node = kwargs["n_workers"] {
          throw node.error("n_workers must be 0 or more, found \(initialWorkers)")
        }
        if threadsPerWorker < 1, let node = kwargs["threads_per_worker"] {
          throw node.error("threads_per_worker must be 1 or more, found \(threadsPerWorker)")
        }
        if maxWorkers < max(1, initialWorkers),
          let node = kwargs["max_workers"] ?? kwargs["n_workers"]
        {
          throw node.error(
            "max_workers (\(maxWorkers)) must be at least 1 and at least n_workers (\(initialWorkers))",
            hint: "raise max_workers or lower n_workers")
        }
      }

      /// Clamps the adaptive maximum to `max_workers`; refuses a minimum above it.
      public func adapt(_ requested: AdaptSettings) throws -> AdaptSettings {
        guard requested.minimum <= maxWorkers else {
          throw ShoalError(
            .invalidValue,
            "adapt minimum \(requested.minimum) is above max_workers (\(maxWorkers))",
            hint: "lower adapt_kwargs.minimum or raise cluster_kwargs.max_workers")
        }
        var settings = requested
        settings.maximum = min(requested.maximum ?? maxWorkers, maxWorkers)
        return settings
      }

      /// Supervises the workers until cancelled; the supervisor then stops every one.
      public func run(context: ClusterContext) async throws {
        let supervisor = ProcessSupervisor(
          policy: .init(restartCleanExits: false),  // a retired worker exits 0: leave it
          log: context.log)
        state.withLock {
          $0.context = context
          $0.supervisor = supervisor
        }
        await supervisor.run()
        state.withLock {
          $0.closed = true
          $0.names.removeAll()
        }
      }

      /// Starts or stops workers until `count` exist.
      public func scale(to count: Int) async throws {
        guard (0...maxWorkers).contains(count) else {
          throw ShoalError(
            .invalidValue, "cannot scale to \(count) workers: max_workers is \(maxWorkers)",
            hint: "raise cluster_kwargs.max_workers")
        }
        let (context, supervisor) = try await running()
        let finished = Set(supervisor.statuses().filter(\.state.isFinal).map(\.name))
        let (toStart, toStop): ([String], [String]) = state.withLock { state in
          state.names.removeAll { finished.contains($0) }
          if state.names.count <= count {
            let new = (state.names.count..<count).map { _ in
              defer { state.nextIndex += 1 }
              return "\(context.clusterName)-\(state.nextIndex)"
            }
            state.names += new
            return (new, [])
          }
          let surplus = Array(state.names.suffix(state.names.count - count))
          state.names.removeAll { surplus.contains($0) }
          return ([], surplus)
        }
        supervisor.forget(Array(finished))
        if !toStop.isEmpty { await supervisor.stop(toStop) }
        for name in toStart {
          try await supervisor.launch(name: name, command(for: name, context: context))
        }
      }

      /// Stops workers that the scheduler has already retired.
      public func stop(workers names: [String]) async throws {
        guard let supervisor = state.withLock({ $0.supervisor }) else { return }
        state.withLock { $0.names.removeAll { names.contains($0) } }
        await supervisor.stop(names)
        supervisor.forget(names)
      }

      /// Every worker's state: launching, running, stopping, exited or failed.
      public func workers() async -> [WorkerStatus] {
        state.withLock { $0.supervisor }?.statuses() ?? []
      }

      /// The process that runs worker `name`: `shoal worker ADDRESS --name NAME ...`,
      /// reading its secrets from the core's 0600 file (`--token-file`, never the token itself
      /// on the command line).
      func command(for name: String, context: ClusterContext) -> ProcessSupervisor.Command {
        let launch = context.workerLaunch(
          name: name, nthreads: threadsPerWorker,
          // Give up when the scheduler is gone, so no worker outlives its cluster.
          extraArguments: ["--give-up-after", "15"],
          // Exit with this process, even when it is killed with SIGKILL.
          environment: ["SHOAL_PARENT_PID": String(getpid())])
        return ProcessSupervisor.Command(
          launch, logFile: context.stateDirectory + "/\(name).log")
      }

      /// The context and supervisor, once `run(context:)` has started (the core calls
      /// `run` and `scale` concurrently).
      private func running() async throws -> (ClusterContext, ProcessSupervisor) {
        for _ in 0..<1000 {
          let (context, supervisor, closed) = state.withLock {
            ($0.context, $0.supervisor, $0.closed)
          }
          if closed { throw ShoalError(.invalidState, "the cluster is closed") }
          if let context, let supervisor { return (context, supervisor) }
          try await Task.sleep(for: .milliseconds(10))
        }
        throw ShoalError(.invalidState, "run(context:) was not called")
      }
    }

    /// The one C symbol Shoal looks up in lib__MODULE__.so: the plugin's table (its ABI
    /// version and exported classes), which the SDK builds from these registrations.
    @_cdecl("shoal_plugin_table")
    public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
      PluginABI.table(host) { $0.export(__CLASS__.self) }
    }

    """#
}
