#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A short command (`podman rm`, `ssh -O check`, `ldd`): run it to its end within a
/// time limit and keep what it printed. The one way Shoal and its plugins run such
/// commands; long-lived children belong to `ProcessSupervisor`.
///
/// It is spawned as `ProcessSupervisor` spawns (its own process group, signals reset,
/// descriptors above 2 closed); output goes to files rather than pipes, because a
/// command may leave a background child holding them (`ssh -f`'s master); its exit is
/// polled with `waitpid(pid, WNOHANG)` (see `ChildWait`), so no thread of the
/// cooperative pool blocks. A timeout, or a cancellation when `cancellable`, kills its
/// whole process group.
///
///     let outcome = try await ShortCommand("podman", ["image", "exists", tag])
///       .run(timeout: .seconds(30))
///     if outcome.succeeded { ... } else { print(outcome.message) }
public struct ShortCommand: Sendable {
  /// What a finished command left behind. A non-zero exit is an outcome, not an error.
  public struct Outcome: Sendable, Hashable {
    /// The exit status, 128 + signal, or -1 when it was killed for running out of time
    /// or for being cancelled.
    public var status: Int32
    /// What it wrote to stdout (to stdout and stderr, with `combinedOutputFile`).
    public var stdout: String
    /// What it wrote to stderr ("" with `combinedOutputFile`).
    public var stderr: String
    /// Whether it ran out of time.
    public var timedOut: Bool
    /// Whether it was killed because the calling task was cancelled.
    public var cancelled: Bool

    /// An outcome.
    public init(
      status: Int32, stdout: String, stderr: String = "", timedOut: Bool = false,
      cancelled: Bool = false
    ) {
      self.status = status
      self.stdout = stdout
      self.stderr = stderr
      self.timedOut = timedOut
      self.cancelled = cancelled
    }

    /// Whether it exited with status 0.
    public var succeeded: Bool { status == 0 }

    /// stderr (stdout when stderr is empty), without trailing blanks, for messages.
    public var message: String {
      let text = stderr.isEmpty ? stdout : stderr
      return String(text.reversed().drop(while: { $0.isWhitespace }).reversed())
    }

    /// The last `count` non-empty lines of the output, trimmed and joined, for messages.
    public func lastLines(_ count: Int = 2) -> String {
      (stdout + "\n" + stderr).split(separator: "\n").map(Self.trimmed).filter { !$0.isEmpty }
        .suffix(count).joined(separator: "; ")
    }

    static func trimmed(_ line: Substring) -> String {
      String(
        line.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed()
      )
    }
  }

  /// The program: a path, or a bare name looked up on `$PATH`.
  public var executable: String
  /// The arguments after the program name.
  public var arguments: [String]
  /// Variables added to (or replacing those of) this process's environment.
  public var environment: [String: String]
  /// The working directory; nil keeps this process's.
  public var workingDirectory: String?
  /// A file to read stdin from; nil gives /dev/null.
  public var stdinFile: String?
  /// Bytes written to stdin (a pipe, closed after them) instead of `stdinFile`: a job
  /// script for `sbatch`. Meant for small inputs, written as the command starts.
  public var input: [UInt8]?
  /// A file that stdout and stderr both go to (truncated first), read into
  /// `Outcome.stdout`; nil gives each a temporary file of its own.
  public var combinedOutputFile: String?
  /// Whether `combinedOutputFile` stays after the run (temporary files never do).
  public var keepsOutputFile: Bool
  /// Whether cancelling the calling task kills the command. When false (cleanup that
  /// must finish, such as removing a container on shutdown) it runs to its end or its
  /// time limit even in a cancelled task.
  public var cancellable: Bool
  /// Added to the error thrown when the program cannot be started (what to install).
  public var hintWhenMissing: String?

  /// A command; see the properties for the options.
  public init(
    _ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
    workingDirectory: String? = nil, stdinFile: String? = nil, input: [UInt8]? = nil,
    combinedOutputFile: String? = nil, keepsOutputFile: Bool = false, cancellable: Bool = false,
    hintWhenMissing: String? = nil
  ) {
    self.executable = executable
    self.arguments = arguments
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.stdinFile = stdinFile
    self.input = input
    self.combinedOutputFile = combinedOutputFile
    self.keepsOutputFile = keepsOutputFile
    self.cancellable = cancellable
    self.hintWhenMissing = hintWhenMissing
  }

  /// `executable arg1 arg2`, for messages.
  public var commandLine: String { ([executable] + arguments).joined(separator: " ") }

  /// Runs the command to its end; kills its process group once `timeout` has passed
  /// (or, when `cancellable`, once the calling task is cancelled) and reports that in
  /// the outcome. Throws `ShoalError(.backendFailed)` when it cannot start, or when
  /// another part of this process reaped it (`waitpid(-1)`): its status is then lost,
  /// and an empty answer would be taken for a real one.
  public func run(timeout: Duration) async throws -> Outcome {
    let outputPath = try combinedOutputFile ?? Self.temporaryFile()
    if let combinedOutputFile {
      let fd = open(combinedOutputFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
      if fd >= 0 { close(fd) }
    }
    let errorPath = try combinedOutputFile == nil ? Self.temporaryFile() : nil
    defer {
      if combinedOutputFile == nil || !keepsOutputFile { unlink(outputPath) }
      if let errorPath { unlink(errorPath) }
    }
    let command = ProcessSupervisor.Command(
      executable: executable, arguments: arguments, environment: environment,
      workingDirectory: workingDirectory, logFile: outputPath, stdin: input)
    let pid: Int32
    do {
      pid = try Spawner.spawn(command, stdinFile: stdinFile, errorFile: errorPath)
    } catch var error as ShoalError {
      if let hintWhenMissing { error.hint = hintWhenMissing }
      throw error
    }
    let deadline = ContinuousClock.now + timeout
    var killed: (timedOut: Bool, cancelled: Bool)?
    var status: Int32 = 0
    var delay = Duration.milliseconds(1)
    while true {
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid { break }
      if result < 0 && errno == ECHILD {
        throw ShoalError(
          .backendFailed,
          "lost track of `\(executable)` (pid \(pid)): another part of this process reaped it")
      }
      if killed == nil {
        let cancelled = cancellable && Task.isCancelled
        if cancelled || ContinuousClock.now >= deadline {
          killed = (timedOut: !cancelled, cancelled: cancelled)
          kill(-pid, SIGKILL)
          kill(pid, SIGKILL)
        }
      }
      await ChildWait.pause(delay)
      delay = min(delay * 2, .milliseconds(50))
    }
    return Outcome(
      status: killed == nil ? Spawner.exitStatus(status) : -1,
      stdout: Self.fileContents(outputPath),
      stderr: errorPath.map { Self.fileContents($0) } ?? "", timedOut: killed?.timedOut ?? false,
      cancelled: killed?.cancelled ?? false)
  }

  /// A file's content as text ("" when unreadable): all of it, or its last
  /// `lastBytes` (the tail of a job's output file).
  public static func fileContents(_ path: String, lastBytes: Int? = nil) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    if let lastBytes {
      let size = lseek(fd, 0, SEEK_END)
      lseek(fd, max(0, size - off_t(lastBytes)), SEEK_SET)
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func temporaryFile() throws -> String {
    let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((folder + "/shoal-cmd-XXXXXX").utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else {
      throw ShoalError(
        .backendFailed, "cannot create a temporary file in \(folder): \(Spawner.errorText(errno))",
        hint: "check that TMPDIR (\(folder)) exists and is writable")
    }
    close(fd)
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }
}
