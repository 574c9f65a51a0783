import ShoalCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A short Slurm command (`sbatch`, `squeue`, `scancel`): started with ShoalCore's
/// spawner (`ProcessSupervisor.spawnDetached`: own process group, output to a file),
/// waited for with `waitpid(pid, WNOHANG)` on its own pid between short sleeps (never
/// a blocking wait on the cooperative pool), killed after a time limit.
///
/// SSHBackend has a runner of its own (`ShortCommand`) but it is internal to that
/// plugin; this one adds no spawner, only the wait.
struct ShortRun: Sendable {
  /// What a finished command left.
  struct Outcome: Sendable {
    /// The exit status, 128 + signal, or -1 when it ran out of time.
    var status: Int32
    /// stdout and stderr together.
    var output: String

    /// The last non-empty lines of the output, for messages.
    func lastLines(_ count: Int = 3) -> String {
      output.split(separator: "\n").map { String($0) }.filter { !$0.isEmpty }.suffix(count)
        .joined(separator: "; ")
    }
  }

  /// The folder output files are written to (and removed from).
  var scratch: String

  /// Runs `command` (its first word is the program) with `environment` added; kills
  /// it after `timeout`. Runs to its end even in a cancelled task (cleanup must finish).
  func run(
    _ command: [String], environment: [String: String] = [:], stdin: [UInt8]? = nil,
    timeout: Duration = .seconds(30)
  ) async throws -> Outcome {
    guard let program = command.first else {
      throw ShoalError(.invalidValue, "empty command")
    }
    let file = scratch + "/run-\(getpid())-\(ShortRun.counter.next()).out"
    unlink(file)
    defer { unlink(file) }
    let pid = try ProcessSupervisor.spawnDetached(
      .init(
        executable: program, arguments: Array(command.dropFirst()), environment: environment,
        logFile: file, stdin: stdin))
    let deadline = ContinuousClock.now + timeout
    var status: Int32 = 0
    var timedOut = false
    var delay: Duration = .milliseconds(2)
    while true {
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid { break }
      if result < 0 && errno == ECHILD {
        // Reaped by someone else: its status is lost, and so is the output's meaning.
        throw ShoalError(
          .backendFailed,
          "lost track of `\(program)` (pid \(pid)): another part of this process reaped it")
      }
      if ContinuousClock.now >= deadline, !timedOut {
        timedOut = true
        kill(-pid, SIGKILL)
      }
      await ShortRun.sleep(delay)
      delay = min(delay * 2, .milliseconds(50))
    }
    let code: Int32 =
      timedOut ? -1 : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Outcome(status: code, output: ShortRun.read(file))
  }

  /// A file's text ("" when unreadable).
  static func read(_ path: String, lastBytes: Int = 1 << 20) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    let size = lseek(fd, 0, SEEK_END)
    lseek(fd, max(0, size - off_t(lastBytes)), SEEK_SET)
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count <= 0 { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Sleeps, also in a cancelled task (without spinning).
  static func sleep(_ duration: Duration) async {
    await Task { try? await Task.sleep(for: duration) }.value
  }

  /// Unique output file names within the process.
  static let counter = Counter()
}

/// A process-wide counter.
final class Counter: Sendable {
  private let value = Mutex(0)
  func next() -> Int {
    value.withLock {
      $0 += 1; return $0
    }
  }
}
