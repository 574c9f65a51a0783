/// What a task is: a shell command or a call of a Swift task in a task library.
///
/// The scheduler never looks inside a spec; it routes it to a worker and routes the
/// `TaskResult` back to the client that submitted it.
public struct TaskSpec: Sendable, Hashable {
  /// The kind of task.
  public enum Kind: Sendable, Hashable {
    /// Run a program (resolved on the worker's PATH) with arguments.
    case shell(ShellTask)
    /// Call a Swift task exported by a task library.
    case swift(SwiftTaskCall)
  }

  /// The task itself.
  public var kind: Kind
  /// Give up on the task after this long (the worker kills it; the result says so).
  public var timeout: Duration?
  /// Whether the worker sends the task's output as it is produced (`Message.output`),
  /// besides the final result. Only shell tasks produce any; off by default.
  public var streamsOutput: Bool
  /// How many more times the task is run when it fails or times out (Dask's
  /// `retries=`); 0 by default. The client retries it (`Executor`): the spec is sent
  /// again under the same id once the failed result arrives, so the wire encoding
  /// does not carry this field and the scheduler is not involved (see protocol.md).
  public var retries: Int
  /// What the task needs of a worker (`--resources gpu=1`): the scheduler assigns it
  /// only to a worker whose free resources cover it, and holds them while it runs.
  /// Empty (the default) asks for nothing but a slot.
  public var resources: ResourceSet

  /// A spec.
  public init(
    _ kind: Kind, timeout: Duration? = nil, streamsOutput: Bool = false, retries: Int = 0,
    resources: ResourceSet = ResourceSet()
  ) {
    self.kind = kind
    self.timeout = timeout
    self.streamsOutput = streamsOutput
    self.retries = retries
    self.resources = resources
  }

  /// A shell task.
  public static func shell(
    _ command: String, _ arguments: [String] = [], environment: [String: String] = [:],
    workingDirectory: String? = nil, stdin: [UInt8]? = nil, timeout: Duration? = nil,
    retries: Int = 0
  ) -> TaskSpec {
    TaskSpec(
      .shell(
        ShellTask(
          command: command, arguments: arguments, environment: environment,
          workingDirectory: workingDirectory, stdin: stdin)), timeout: timeout, retries: retries)
  }
}

/// A command to run on a worker.
public struct ShellTask: Sendable, Hashable {
  /// The program: a path, or a name looked up on the worker's PATH.
  public var command: String
  /// Its arguments.
  public var arguments: [String]
  /// Variables added to (or replacing those of) the worker's environment.
  public var environment: [String: String]
  /// Where to run it; the worker's own folder when nil.
  public var workingDirectory: String?
  /// Bytes written to its standard input (then closed); empty input when nil.
  public var stdin: [UInt8]?

  /// A shell task.
  public init(
    command: String, arguments: [String] = [], environment: [String: String] = [:],
    workingDirectory: String? = nil, stdin: [UInt8]? = nil
  ) {
    self.command = command
    self.arguments = arguments
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.stdin = stdin
  }
}

/// A call of a Swift task (`ShoalCore.TaskFunction`) by library and name.
public struct SwiftTaskCall: Sendable, Hashable {
  /// The task library's module (`MyTasks` for `libMyTasks.so`).
  public var library: String
  /// The task's exported name.
  public var name: String
  /// The caller's input type name; the worker refuses a call whose types differ.
  public var inputType: String
  /// The caller's output type name.
  public var outputType: String
  /// The input, JSON-encoded.
  public var input: [UInt8]

  /// A call.
  public init(library: String, name: String, inputType: String, outputType: String, input: [UInt8])
  {
    self.library = library
    self.name = name
    self.inputType = inputType
    self.outputType = outputType
    self.input = input
  }
}

/// How a task ended. A task's own failure (non-zero exit, thrown error) is a result,
/// not a lost task: only `lost` means the cluster could not run it.
public struct TaskResult: Sendable, Hashable {
  /// The outcome.
  public struct Status: Sendable, Hashable, CustomStringConvertible {
    private let raw: UInt8
    private init(_ raw: UInt8) { self.raw = raw }
    /// The wire value.
    public var wireValue: UInt8 { raw }
    /// The status for a wire value, nil when unknown.
    public init?(wireValue: UInt8) {
      guard wireValue <= 5 else { return nil }
      raw = wireValue
    }
    /// It ran and succeeded (exit status 0; the Swift task returned).
    public static let succeeded = Status(0)
    /// It ran and failed (non-zero exit; the Swift task threw; the command was not found).
    public static let failed = Status(1)
    /// It ran past its timeout and was killed.
    public static let timedOut = Status(2)
    /// The workers running it were lost more times than the retry limit (Dask's KilledWorker).
    public static let lost = Status(3)
    /// The client cancelled it.
    public static let cancelled = Status(4)
    /// It could not be started: unknown task, input that does not decode, library not found.
    public static let rejected = Status(5)

    public var description: String {
      ["succeeded", "failed", "timed out", "lost", "cancelled", "rejected"][Int(raw)]
    }
  }

  /// The outcome.
  public var status: Status
  /// The shell command's exit status (or 128 + signal); nil for Swift tasks.
  public var exitCode: Int32?
  /// Standard output (shell), or the JSON-encoded output (Swift).
  public var output: [UInt8]
  /// Standard error (shell); empty for Swift tasks.
  public var errorOutput: [UInt8]
  /// Whether `output` or `errorOutput` was cut at the output cap.
  public var truncated: Bool
  /// What went wrong, for every status but `succeeded`.
  public var message: String?
  /// The worker that produced the result.
  public var worker: String?
  /// How long the task ran on the worker, in seconds.
  public var duration: Double

  /// A result.
  public init(
    status: Status, exitCode: Int32? = nil, output: [UInt8] = [], errorOutput: [UInt8] = [],
    truncated: Bool = false, message: String? = nil, worker: String? = nil, duration: Double = 0
  ) {
    self.status = status
    self.exitCode = exitCode
    self.output = output
    self.errorOutput = errorOutput
    self.truncated = truncated
    self.message = message
    self.worker = worker
    self.duration = duration
  }

  /// The cap on each of stdout and stderr kept per shell task: 1 MiB. Beyond it the
  /// output is cut and `truncated` is set.
  public static let outputLimit = 1 << 20
}
