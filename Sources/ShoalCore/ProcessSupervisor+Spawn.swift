#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `posix_spawn` of one `ProcessSupervisor.Command`: its own process group, signals
/// reset, descriptors above 2 closed, output appended to the log file.
enum Spawner {
  /// Starts `command`; returns its pid. Throws `ShoalError(.backendFailed)` naming
  /// the executable (or the log file) and the system's reason. `stdinFile` (instead of
  /// /dev/null) and `errorFile` (stderr apart from stdout) serve `ShortCommand`.
  static func spawn(
    _ command: ProcessSupervisor.Command, stdinFile: String? = nil, errorFile: String? = nil
  ) throws -> Int32 {
    let outputPath = command.logFile ?? "/dev/null"
    if let logFile = command.logFile { try makeParentFolders(of: logFile) }
    let output = open(outputPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard output >= 0 else {
      throw ShoalError(
        .backendFailed,
        "cannot open log file \(outputPath) for `\(command.executable)`: \(errorText(errno))")
    }
    defer { close(output) }

    var input: (read: Int32, write: Int32)? = nil
    if command.stdin != nil {
      guard let fds = makePipe() else {
        throw ShoalError(.backendFailed, "cannot make a stdin pipe: \(errorText(errno))")
      }
      input = fds
    }
    defer {
      if let input { close(input.read) }
    }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    try setUp(
      &actions,
      stdin: input.map { .descriptor($0.read) }
        ?? .file(stdinFile ?? "/dev/null", flags: O_RDONLY),
      stdout: .descriptor(output),
      stderr: errorFile.map { .file($0, flags: O_WRONLY | O_CREAT | O_APPEND, mode: 0o600) }
        ?? .descriptor(output),
      workingDirectory: command.workingDirectory)

    let argv = [command.executable] + command.arguments
    let envp = environment(adding: command.environment)
    let (pid, result) = withCStrings(argv) { argvPointers in
      withCStrings(envp) { envPointers in
        launch(
          command.executable, &actions, argv: argvPointers, envp: envPointers,
          newProcessGroup: command.newProcessGroup)
      }
    }
    guard result == 0 else {
      if let input { close(input.write) }
      throw startFailure(command.executable, result, workingDirectory: command.workingDirectory)
    }
    if let input, let bytes = command.stdin {
      writeAll(bytes, to: input.write)
      close(input.write)
    }
    return pid
  }

  /// `posix_spawn` (or `posix_spawnp` for a bare name) with Shoal's attributes: signal
  /// mask cleared, the signals a shell expects reset to their defaults, and its own
  /// process group when `newProcessGroup`. Returns the pid, or 0 and the error number.
  static func launch(
    _ executable: String, _ actions: inout posix_spawn_file_actions_t,
    argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
    envp: UnsafePointer<UnsafeMutablePointer<CChar>?>, newProcessGroup: Bool
  ) -> (pid: pid_t, error: Int32) {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
    if newProcessGroup {
      flags |= Int32(POSIX_SPAWN_SETPGROUP)
      posix_spawnattr_setpgroup(&attributes, 0)
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] {
      sigaddset(&defaults, signal)
    }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    // The child's SIGCHLD, at its default disposition, is dropped by the kernel unless
    // the thread that starts the child blocks it — and the threads of Swift's pools (and
    // the event loops started from them) block every signal. Then it is delivered to a
    // thread that does not block it, the main thread parked in `sigsuspend`, which wakes
    // for nothing at every exit. Unblocked here, it is dropped (`waitpid` still works).
    var childSignal = sigset_t()
    sigemptyset(&childSignal)
    sigaddset(&childSignal, SIGCHLD)
    pthread_sigmask(SIG_UNBLOCK, &childSignal, nil)
    var pid: pid_t = 0
    let result =
      executable.utf8.contains(UInt8(ascii: "/"))
      ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
      : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
    return (result == 0 ? pid : 0, result)
  }

  /// Where a child's standard stream comes from or goes to.
  enum StandardStream {
    /// A descriptor of this process, duplicated into place.
    case descriptor(Int32)
    /// A file the child opens.
    case file(String, flags: Int32, mode: mode_t = 0)
  }

  /// The file actions every Shoal child starts with: its three standard streams,
  /// every other descriptor closed, its working folder (nil: this process's).
  static func setUp(
    _ actions: inout posix_spawn_file_actions_t, stdin: StandardStream,
    stdout: StandardStream, stderr: StandardStream, workingDirectory: String?
  ) throws {
    for (target, stream) in [stdin, stdout, stderr].enumerated() {
      switch stream {
      case .descriptor(let fd):
        posix_spawn_file_actions_adddup2(&actions, fd, Int32(target))
      case .file(let path, let flags, let mode):
        posix_spawn_file_actions_addopen(&actions, Int32(target), path, flags, mode)
      }
    }
    _ = GNUSpawn.addCloseFrom?(&actions, 3)
    if let workingDirectory { try changeDirectory(&actions, to: workingDirectory) }
  }

  /// A pipe with both ends close-on-exec (a child gets its end by dup2, which clears
  /// it); nil, with `errno` set, when none can be made.
  static func makePipe() -> (read: Int32, write: Int32)? {
    var fds: [Int32] = [0, 0]
    if let pipe2 = GNUSpawn.pipe2 {
      guard pipe2(&fds, O_CLOEXEC) == 0 else { return nil }
    } else {
      guard pipe(&fds) == 0 else { return nil }
      for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }
    return (fds[0], fds[1])
  }

  /// Adds a `chdir` to `directory` to `actions`; throws when this C library cannot.
  private static func changeDirectory(
    _ actions: inout posix_spawn_file_actions_t, to directory: String
  ) throws {
    guard let addChdir = GNUSpawn.addChdir else {
      throw ShoalError(
        .backendFailed, "this C library has no posix_spawn_file_actions_addchdir_np (glibc 2.29+)")
    }
    _ = addChdir(&actions, directory)
  }

  /// The error for a spawn that failed with `code`.
  static func startFailure(_ executable: String, _ code: Int32, workingDirectory: String?)
    -> ShoalError
  {
    var reason = errorText(code)
    if let directory = workingDirectory, access(directory, X_OK) != 0 {
      reason += " (working directory \(directory): \(errorText(errno)))"
    }
    return ShoalError(
      .backendFailed, "cannot start `\(executable)`: \(reason)",
      hint: executable.utf8.contains(UInt8(ascii: "/"))
        ? "check that \(executable) exists and is executable"
        : "check that `\(executable)` is on $PATH")
  }

  /// The current environment with `overrides` applied, as `KEY=VALUE` strings.
  static func environment(adding overrides: [String: String]) -> [String] {
    var entries: [String] = []
    var index = 0
    while let entry = environ[index] {
      let text = String(cString: entry)
      let key = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
      if overrides[key] == nil { entries.append(text) }
      index += 1
    }
    for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
      entries.append("\(key)=\(value)")
    }
    return entries
  }

  /// Makes the folders above `file` (mode 0755) that do not exist yet, so a backend
  /// can name a log file in a folder of its state directory without creating it.
  static func makeParentFolders(of file: String) throws {
    var current = file.hasPrefix("/") ? "" : "."
    for part in file.split(separator: "/").dropLast() {
      current += "/" + part
      if mkdir(current, 0o755) != 0 && errno != EEXIST {
        throw ShoalError(
          .backendFailed, "cannot create \(current) for a log file: \(errorText(errno))")
      }
    }
  }

  static func errorText(_ code: Int32) -> String {
    String(cString: strerror(code)) + " (errno \(code))"
  }

  /// The exit status of a `waitpid` status word: the code, or 128 + the signal.
  static func exitStatus(_ status: Int32) -> Int32 {
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
  }

  private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return
        }
        offset += written
      }
    }
  }

  static func withCStrings<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
  ) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
  }
}

/// glibc's `_np` spawn actions, which Swift's Glibc module does not import (they need
/// `_GNU_SOURCE`); looked up once with `dlsym`.
enum GNUSpawn {
  typealias AddCloseFrom =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
  typealias AddChdir =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

  /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+).
  static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
  /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+).
  static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
  typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
  /// `pipe2` (not in Swift's Glibc module, which is built without _GNU_SOURCE).
  static let pipe2: Pipe2? = symbol("pipe2")

  private static func symbol<T>(_ name: String) -> T? {
    guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
    return unsafeBitCast(pointer, to: T.self)
  }
}
