extension ProcessSupervisor {
  /// How a supervisor restarts and stops its processes.
  ///
  /// An unexpected exit is restarted after a backoff that doubles with each exit in
  /// the restart window (`0.5 s, 1 s, 2 s, ...` up to `maximumBackoff`). A process
  /// that exits more than `restartLimit` times within `restartWindow` is a crash
  /// loop: it becomes `.failed(reason)`, an error is logged, and it is not restarted.
  public struct Policy: Sendable, Hashable {
    /// Unexpected exits allowed within `restartWindow`; one more and the process fails.
    public var restartLimit: Int
    /// The window in which exits are counted.
    public var restartWindow: Duration
    /// The wait before the first restart.
    public var initialBackoff: Duration
    /// The longest wait between two restarts.
    public var maximumBackoff: Duration
    /// How long a stopped process has between SIGTERM and SIGKILL.
    public var stopGrace: Duration
    /// How often `run()` polls for exits (`waitpid(pid, WNOHANG)`).
    public var pollInterval: Duration
    /// Whether an exit with status 0 is restarted too. Workers exit 0 when their
    /// scheduler retires them, so backends of workers set this to false.
    public var restartCleanExits: Bool

    /// A policy; the defaults restart 5 times a minute, from 0.5 s up to 30 s apart,
    /// and give a stopped process 10 s to exit.
    public init(
      restartLimit: Int = 5, restartWindow: Duration = .seconds(60),
      initialBackoff: Duration = .milliseconds(500), maximumBackoff: Duration = .seconds(30),
      stopGrace: Duration = .seconds(10), pollInterval: Duration = .milliseconds(50),
      restartCleanExits: Bool = true
    ) {
      self.restartCleanExits = restartCleanExits
      self.restartLimit = restartLimit
      self.restartWindow = restartWindow
      self.initialBackoff = initialBackoff
      self.maximumBackoff = maximumBackoff
      self.stopGrace = stopGrace
      self.pollInterval = pollInterval
    }

    /// The wait before restarting a process that has exited `exits` times in the window.
    public func backoff(afterExits exits: Int) -> Duration {
      RetryDelay.doubling(from: initialBackoff, upTo: maximumBackoff, afterFailures: exits)
    }
  }

  /// One process to start: what to run, where, and where its output goes.
  public struct Command: Sendable, Hashable {
    /// The program: a path, or a bare name looked up on `$PATH`.
    public var executable: String
    /// The arguments after the program name.
    public var arguments: [String]
    /// Variables added to (or replacing those of) the supervisor's own environment.
    public var environment: [String: String]
    /// The working directory; nil keeps the supervisor's.
    public var workingDirectory: String?
    /// The file that stdout and stderr are appended to (created when missing, 0644);
    /// nil sends them to /dev/null.
    public var logFile: String?
    /// Bytes written to the process's stdin, which is then closed; nil gives it /dev/null.
    public var stdin: [UInt8]?
    /// Whether the process leads a new process group, so that a stop signals
    /// everything it started.
    public var newProcessGroup: Bool

    /// A command.
    public init(
      executable: String, arguments: [String] = [], environment: [String: String] = [:],
      workingDirectory: String? = nil, logFile: String? = nil, stdin: [UInt8]? = nil,
      newProcessGroup: Bool = true
    ) {
      self.executable = executable
      self.arguments = arguments
      self.environment = environment
      self.workingDirectory = workingDirectory
      self.logFile = logFile
      self.stdin = stdin
      self.newProcessGroup = newProcessGroup
    }

    /// The command that starts the worker `launch` describes, with its token in the
    /// environment.
    public init(_ launch: WorkerLaunch, workingDirectory: String? = nil, logFile: String? = nil) {
      self.init(
        executable: launch.executable, arguments: launch.arguments,
        environment: launch.environment, workingDirectory: workingDirectory, logFile: logFile)
    }

    /// `executable arg1 arg2` for messages.
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }
  }
}

extension ProcessSupervisor {
  /// Starts `command` without supervising it (a detached `shoal up` child): its own
  /// process group, output to its log file. The caller owns the pid (reap it with
  /// `waitpid` or exit and let init reap it).
  public static func spawnDetached(_ command: Command) throws -> Int32 {
    try Spawner.spawn(command)
  }
}
