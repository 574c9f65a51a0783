import ShoalCore

/// Shoal's conformance kit: the checks every backend plugin runs against itself.
///
/// It loads the backend the way `shoal` does (by `cluster_class`, from `libModule.so`
/// on the plugin search path, inside the core's kwargs audit), starts a real scheduler
/// in this process, and lets the backend launch real `shoal worker` processes:
///
///     @Suite(.serialized) struct MyClusterConformanceTests {
///       let kit = BackendConformance(clusterClass: "MyBackend.MyCluster", kwargs: ["n_workers": 1])
///
///       @Test(arguments: BackendConformance.Check.allCases)
///       func conformance(_ check: BackendConformance.Check) async throws {
///         try await kit.run(check)
///       }
///     }
///
/// Each check starts its own cluster and closes it. A failure throws
/// `ConformanceFailure`, which says what was expected, what was seen, and the
/// backend's recent log.
public struct BackendConformance: Sendable {
  /// One check of the kit.
  public struct Check: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The stable name of the check (`scale_down_with_retirement`).
    public let name: String
    private init(_ name: String) { self.name = name }
    public var description: String { name }

    /// The class loads from its library; `scale(to:)` starts workers that connect to
    /// the scheduler under the names `workers()` reports; a task runs on them.
    public static let start = Check("start")
    /// Scaling up adds connected workers.
    public static let scaleUp = Check("scale_up")
    /// The core's scale-down path: the scheduler retires a busy worker (its task
    /// finishes, nothing is lost), then `stop(workers:)` makes it go away; and
    /// `stop(workers:)` on an idle worker that was not retired makes that one go too
    /// (a retired worker may exit by itself, which proves nothing about `stop`).
    public static let scaleDownWithRetirement = Check("scale_down_with_retirement")
    /// A worker killed in the middle of a task is reported (restarted or exited), the
    /// cluster gets back to its size, and the task still succeeds.
    public static let workerDeath = Check("worker_death")
    /// `adapt(_:)` returns settings inside the requested ones, and the cluster can be
    /// scaled to their maximum and back to their minimum; impossible ones are refused
    /// with a `ShoalError`.
    public static let adaptSettings = Check("adapt_settings")
    /// Cancelling `run(context:)` returns promptly and leaves no worker process and
    /// no worker connection behind.
    public static let close = Check("close")
    /// An unknown key and a non-mapping `cluster_kwargs` are refused with a
    /// `ShoalError` that carries the key path.
    public static let kwargsErrors = Check("kwargs_errors")

    public static let allCases: [Check] = [
      .start, .scaleUp, .scaleDownWithRetirement, .workerDeath, .adaptSettings, .close,
      .kwargsErrors,
    ]
  }

  /// The backend under test, as YAML names it (`MyBackend.MyCluster`).
  public var clusterClass: String
  /// The `cluster_kwargs` the clusters are made with.
  public var kwargs: Kwargs
  /// The number of workers the checks start with (scale-up adds one).
  public var workers: Int
  /// Folders searched for `libModule.so` before `$SHOAL_PLUGIN_PATH` and the test
  /// binary's own folder.
  public var pluginPath: [String]
  /// The `shoal` executable workers run; nil: `$SHOAL_EXECUTABLE`, then the test
  /// binary's folder, then `$PATH`.
  public var shoalExecutable: String?
  /// The longest wait for anything to happen (workers connecting, a task finishing,
  /// a worker going away). Generous: test machines are busy.
  public var timeout: Duration

  /// A kit for `clusterClass`, made with `kwargs`.
  public init(
    clusterClass: String, kwargs: Kwargs = .empty(), workers: Int = 1, pluginPath: [String] = [],
    shoalExecutable: String? = nil, timeout: Duration = .seconds(60)
  ) {
    self.clusterClass = clusterClass
    self.kwargs = kwargs
    self.workers = max(1, workers)
    self.pluginPath = pluginPath
    self.shoalExecutable = shoalExecutable
    self.timeout = timeout
  }

  /// Runs one check; throws `ConformanceFailure` when the backend does not conform.
  public func run(_ check: Check) async throws {
    switch check {
    case .start: try await checkStart()
    case .scaleUp: try await checkScaleUp()
    case .scaleDownWithRetirement: try await checkScaleDownWithRetirement()
    case .workerDeath: try await checkWorkerDeath()
    case .adaptSettings: try await checkAdaptSettings()
    case .close: try await checkClose()
    case .kwargsErrors: try checkKwargsErrors()
    default: throw ConformanceFailure(check: check.name, "unknown check")
    }
  }

  /// Runs every check in turn, stopping at the first failure.
  public func runAll() async throws {
    for check in Check.allCases { try await run(check) }
  }
}
