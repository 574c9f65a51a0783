import Foundation
import ShoalTestSupport

/// A `shoal` process a test started and reads while it runs; `stop()` kills it (and
/// its process group is left to the command's own cleanup). Output goes to files.
final class Spawned: @unchecked Sendable {
  let process: Process
  let stdoutPath: String
  let stderrPath: String

  init(
    _ arguments: [String], environment: [String: String] = [:], currentDirectory: String? = nil,
    stdin: String? = nil
  ) throws {
    let folder = try TemporaryDirectory.make("s17-spawn")
    stdoutPath = folder + "/stdout"
    stderrPath = folder + "/stderr"
    FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    FileManager.default.createFile(atPath: stderrPath, contents: nil)
    process = Process()
    process.executableURL = URL(fileURLWithPath: BuildProducts.shoal)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for key in ["SHOAL_TOKEN", "SHOAL_CONFIG", "SHOAL_PLUGIN_PATH"] { env.removeValue(forKey: key) }
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
  }

  var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
  var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
  var pid: Int32 { process.processIdentifier }

  /// Sends `signal` while it runs.
  func signal(_ signal: Int32) { if process.isRunning { kill(pid, signal) } }

  /// Waits (bounded) for the exit; its status, or nil when it still runs.
  func exitStatus(within seconds: Double) async -> Int32? {
    guard await eventually(seconds, { !self.process.isRunning }) else { return nil }
    return process.terminationStatus
  }

  /// Kills it if it still runs.
  func stop() {
    if process.isRunning {
      kill(pid, SIGKILL)
      process.waitUntilExit()
    }
  }
}

/// Runs a command on a pseudo-terminal (python3's `pty`), as a user at a terminal of
/// `columns` columns would: stdin, stdout and stderr are the terminal. `input` is typed
/// once `prompt` appears in the output (then Ctrl-D); `SIGINT` sends that instead. Returns everything the terminal
/// showed, escape sequences and `\r` included.
enum Terminal {
  static let driver = """
    import os, pty, sys, fcntl, termios, struct, time, select
    columns, prompt, typed = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[4], sys.argv[4:])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    out, sent, deadline = b"", False, time.time() + 120
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if prompt and not sent and prompt.encode() in out:
            if typed == "SIGINT":
                os.kill(pid, 2)
            else:
                os.write(fd, typed.encode() + b"\\x04")
            sent = True
    os.waitpid(pid, 0)
    sys.stdout.buffer.write(out)
    """

  static func run(
    _ arguments: [String], columns: Int, prompt: String = "", input: String = "",
    environment: [String: String] = [:], currentDirectory: String? = nil
  ) throws -> String {
    let script = try TemporaryDirectory.write(driver, named: "s17-terminal.py")
    let result = try CommandRunner.run(
      "/usr/bin/python3",
      [script, String(columns), prompt, input, BuildProducts.shoal] + arguments,
      environment: environment, currentDirectory: currentDirectory, timeout: 150)
    // Nothing shown is a failure of the driver itself: say why.
    return result.stdout.isEmpty
      ? "pty driver failed (\(result.status)): \(result.stderr)" : result.stdout
  }
}
