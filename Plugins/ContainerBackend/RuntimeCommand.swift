import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The outcome of one short runtime command (`podman image exists`, `podman rm`).
/// A non-zero exit is a result, not a thrown error.
struct CommandResult: Sendable {
  /// The exit status, or 128 + signal.
  var status: Int32
  /// Everything the command wrote to stdout.
  var stdout: String
  /// Everything the command wrote to stderr.
  var stderr: String
  /// Whether it exited with status 0.
  var succeeded: Bool { status == 0 }
  /// stderr, trimmed, or stdout when stderr is empty; for error messages.
  var message: String {
    let text = stderr.isEmpty ? stdout : stderr
    return String(text.reversed().drop(while: { $0 == "\n" || $0 == " " }).reversed())
  }
}

/// Runs short commands of the container runtime and captures their output: spawned
/// with `posix_spawn`, output to temporary files, exit polled with `waitpid(pid, WNOHANG)`
/// (never a blocking wait on a cooperative thread, never `waitpid(-1)`).
enum RuntimeCommand {
  /// Runs `executable arguments` with `environment` added to this process's, killing
  /// it after `timeout`.
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    timeout: Duration = .seconds(60), cancellable: Bool = true
  ) async throws -> CommandResult {
    let outPath = try temporaryFile()
    let errPath = try temporaryFile()
    defer {
      unlink(outPath)
      unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_TRUNC, 0o600)

    var env = PluginSearchPath.environment()
    for (key, value) in environment { env[key] = value }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
    guard spawned == 0 else {
      throw ShoalError(
        .backendFailed, "cannot run \(executable): \(String(cString: strerror(spawned)))")
    }
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var status: Int32 = 0
    var delay = Duration.milliseconds(2)
    while true {
      let done = waitpid(pid, &status, WNOHANG)
      if done == pid { break }
      if done < 0 && errno != EINTR { break }
      if clock.now >= deadline || (cancellable && Task.isCancelled) {
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let reason = Task.isCancelled ? "was cancelled" : "did not finish within \(timeout)"
        throw ShoalError(
          .timeout,
          "`\(([executable] + arguments).joined(separator: " "))` \(reason); stderr: \(read(errPath))"
        )
      }
      if Task.isCancelled {
        // Cleanup in a cancelled task still waits for its command.
        await Task { [delay] in try? await Task.sleep(for: delay) }.value
      } else {
        try? await Task.sleep(for: delay)
      }
      delay = min(delay * 2, .milliseconds(50))
    }
    let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return CommandResult(status: exit, stdout: read(outPath), stderr: read(errPath))
  }

  private static func temporaryFile() throws -> String {
    var template =
      ((HostSystem.environment("TMPDIR") ?? "/tmp") + "/shoal-cmd-XXXXXX").utf8.map {
        CChar(bitPattern: $0)
      } + [0]
    let fd = mkstemp(&template)
    guard fd >= 0 else {
      throw ShoalError(
        .backendFailed, "cannot create a temporary file: \(String(cString: strerror(errno)))")
    }
    close(fd)
    return HostSystem.string(template)
  }

  /// The whole content of a (small) file.
  static func read(_ path: String) -> String {
    guard let file = fopen(path, "r") else { return "" }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = fread(&buffer, 1, buffer.count, file)
      if count <= 0 { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
