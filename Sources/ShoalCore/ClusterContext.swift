/// Everything a backend is handed when its cluster starts: where the scheduler is,
/// the credentials workers need, and how to build the command that starts one worker.
public struct ClusterContext: Sendable {
  /// The cluster's name in `clusters.yaml`.
  public var clusterName: String
  /// A unique id for this run of the cluster; label containers and temp files with it
  /// so that a later `shoal down` can find what a killed process left behind.
  public var clusterID: String
  /// The scheduler's address as workers on this machine reach it (`tcp://127.0.0.1:PORT`).
  public var schedulerAddress: String
  /// The token workers present to the scheduler. Under TLS it also carries the
  /// worker's certificate and key: treat it as a secret, never a command-line word.
  public var token: String
  /// A file holding `token` (mode 0600, `STATE/worker-secret`), written by the core
  /// before `run` and removed when the cluster closes; nil when nobody wrote one (a
  /// context made by hand). `workerLaunch` points workers at it with `--token-file`,
  /// so the secret is neither on their command line nor in their environment.
  public var tokenFile: String?
  /// The `shoal` executable that runs `shoal worker`.
  public var workerExecutable: String
  /// A folder the backend may write logs and state into; it outlives the process.
  public var stateDirectory: String
  /// Where backend messages go (the core forwards them to its logger).
  public var log: EventLog
  /// The resources of this backend's worker group (`gpu=1,memory=16G`), which every
  /// `workerLaunch` passes as `shoal worker --resources`; nil when it declares none.
  public var workerResources: String? = nil

  /// A context.
  public init(
    clusterName: String, clusterID: String, schedulerAddress: String, token: String,
    workerExecutable: String, stateDirectory: String, tokenFile: String? = nil,
    log: EventLog = EventLog { _, _ in }
  ) {
    self.tokenFile = tokenFile
    self.clusterName = clusterName
    self.clusterID = clusterID
    self.schedulerAddress = schedulerAddress
    self.token = token
    self.workerExecutable = workerExecutable
    self.stateDirectory = stateDirectory
    self.log = log
  }

  /// The launch description of one worker with this context's executable, address
  /// and token; a backend adjusts fields (a remote executable, another address).
  ///
  /// With a `tokenFile` the worker reads its secrets from that file (`--token-file`,
  /// `WorkerLaunch.tokenFile`) and `environment` holds no token; without one the token
  /// is `SHOAL_TOKEN` in `environment`. A backend whose workers cannot read this
  /// machine's files (SSH hosts) sends `token` over stdin instead (`--token-file -`).
  public func workerLaunch(
    name: String, nthreads: Int, taskLibraries: [String] = [], extraArguments: [String] = [],
    environment: [String: String] = [:]
  ) -> WorkerLaunch {
    var environment = environment
    environment[WorkerLaunch.tokenVariable] = tokenFile == nil ? token : nil
    var launch = WorkerLaunch(
      name: name, executable: workerExecutable, schedulerAddress: schedulerAddress,
      nthreads: nthreads, taskLibraries: taskLibraries, extraArguments: extraArguments,
      environment: environment)
    launch.tokenFile = tokenFile
    launch.resources = workerResources
    return launch
  }
}

/// A sink for a backend's log messages. ShoalCore has no logging dependency, so that
/// plugins link nothing but ShoalCore; the core forwards these to swift-log.
public struct EventLog: Sendable {
  /// How important a message is.
  public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
    case debug, info, warning, error
    public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["debug", "info", "warning", "error"][rawValue] }
  }

  private let sink: @Sendable (Level, String) -> Void

  /// A log that hands every message to `sink`.
  public init(_ sink: @escaping @Sendable (Level, String) -> Void) { self.sink = sink }

  /// Logs a debug message.
  public func debug(_ message: String) { sink(.debug, message) }
  /// Logs an informational message.
  public func info(_ message: String) { sink(.info, message) }
  /// Logs a warning.
  public func warning(_ message: String) { sink(.warning, message) }
  /// Logs an error.
  public func error(_ message: String) { sink(.error, message) }
}
