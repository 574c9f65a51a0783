import SSHSupport
import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A short local command (`ssh -O check`, a probe over the master connection,
/// `sha256sum`): run it, wait for it within a time limit, keep what it printed.
///
/// Output goes to a file rather than a pipe: `ssh -f` leaves a background master
/// holding its stderr, which would keep a pipe open forever. Exits are found with
/// `waitpid(pid, WNOHANG)` on this command's own pid only.
struct ShortCommand: Sendable {
  /// What a finished command left behind.
  struct Outcome: Sendable {
    /// The exit status, 128 + signal, or -1 when it was killed for taking too long.
    var status: Int32
    /// stdout and stderr together.
    var output: String
    /// Whether it ran out of time.
    var timedOut: Bool

    /// The last non-empty lines of the output, joined, for messages.
    func lastLines(_ count: Int = 2) -> String {
      output.split(separator: "\n").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
        .suffix(count).joined(separator: "; ")
    }
  }

  var executable: String
  var arguments: [String]
  /// A file to read stdin from; nil gives /dev/null.
  var stdinFile: String?
  /// The file output goes to (truncated first); it is removed afterwards unless `keepOutput`.
  var outputFile: String
  var keepOutput = false

  /// Runs the command; kills its process group after `timeout`. Runs to the end even
  /// in a cancelled task (shutdown commands must finish).
  func run(timeout: Duration) async throws -> Outcome {
    let pid = try spawn()
    let deadline = ContinuousClock.now + timeout
    var status: Int32 = 0
    var timedOut = false
    var delay: Duration = .milliseconds(2)
    while true {
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid || (result < 0 && errno != EINTR) { break }
      if ContinuousClock.now >= deadline, !timedOut {
        timedOut = true
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
      }
      await ShortCommand.sleep(delay)
      delay = min(delay * 2, .milliseconds(50))
    }
    let output = ShortCommand.read(outputFile)
    if !keepOutput { unlink(outputFile) }
    let code: Int32 =
      timedOut ? -1 : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Outcome(status: code, output: output, timedOut: timedOut)
  }

  private func spawn() throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdinFile ?? "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setpgroup(&attributes, 0)
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    sigaddset(&defaults, SIGINT)
    sigaddset(&defaults, SIGTERM)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let result = posix_spawnp(&pid, executable, &actions, &attributes, argv, environ)
    guard result == 0 else {
      throw ShoalError(
        .backendFailed, "cannot run `\(executable)`: \(String(cString: strerror(result)))",
        hint: executable == "ssh"
          ? "install the OpenSSH client (`apt-get install openssh-client`)" : nil)
    }
    return pid
  }

  /// A file's contents as text ("" when unreadable).
  static func read(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count <= 0 { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Sleeps even in a cancelled task.
  static func sleep(_ duration: Duration) async {
    var request = timespec(
      tv_sec: Int(duration.components.seconds),
      tv_nsec: Int(duration.components.attoseconds / 1_000_000_000))
    if Task.isCancelled {
      nanosleep(&request, nil)
    } else {
      try? await Task.sleep(for: duration)
    }
  }
}

extension StringProtocol {
  /// The text without leading and trailing whitespace.
  func trimmingCharacters() -> String {
    var slice = Substring(self)
    while let first = slice.first, first.isWhitespace { slice.removeFirst() }
    while let last = slice.last, last.isWhitespace { slice.removeLast() }
    return String(slice)
  }
}
