import ShoalWire
import ShoalWorker
import Synchronization
import Testing

@Suite("ShellTaskRunner")
struct ShellTaskRunnerTests {
  let runner = ShellTaskRunner()

  @Test func capturesOutputAndStatus() async {
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "echo out; echo err >&2; exit 3"]))
    #expect(result.status == .failed)
    #expect(result.exitCode == 3)
    #expect(String(decoding: result.output, as: UTF8.self) == "out\n")
    #expect(String(decoding: result.errorOutput, as: UTF8.self) == "err\n")
    #expect(result.truncated == false)
    #expect(result.message?.contains("status 3") == true)
  }

  @Test func succeedsWithArgumentsEnvironmentFolderAndStdin() async throws {
    let result = await runner.run(
      ShellTask(
        command: "sh",
        arguments: ["-c", "printf '%s|%s|%s|' \"$1\" \"$GREETING\" \"$PWD\"; cat", "sh", "a b"],
        environment: ["GREETING": "hello"], workingDirectory: "/tmp",
        stdin: Array("from stdin".utf8)))
    #expect(result.status == .succeeded)
    #expect(result.exitCode == 0)
    #expect(String(decoding: result.output, as: UTF8.self) == "a b|hello|/tmp|from stdin")
  }

  @Test func missingCommandIsAFailedResult() async {
    let result = await runner.run(ShellTask(command: "shoal-no-such-command"))
    #expect(result.status == .failed)
    #expect(result.exitCode == 127)
    #expect(result.message?.hasPrefix("command not found: shoal-no-such-command") == true)
    let path = await runner.run(ShellTask(command: "/nonexistent/tool"))
    #expect(path.status == .failed)
    #expect(path.message?.hasPrefix("command not found: /nonexistent/tool") == true)
  }

  @Test func missingWorkingDirectoryIsAFailedResult() async {
    let result = await runner.run(
      ShellTask(command: "true", workingDirectory: "/nonexistent/folder"))
    #expect(result.status == .failed)
    #expect(result.message == "working directory not found: /nonexistent/folder")
  }

  @Test func outputBeyondTheCapIsTruncatedAndMarked() async {
    // 3 MiB on stdout, 2 MiB on stderr: both capped at 1 MiB, and the program still
    // runs to its end (its writes never block on a full pipe).
    let result = await runner.run(
      ShellTask(
        command: "sh",
        arguments: [
          "-c",
          "head -c 3145728 /dev/zero; head -c 2097152 /dev/zero >&2; echo done >&2; exit 0",
        ]))
    #expect(result.status == .succeeded)
    #expect(result.output.count == TaskResult.outputLimit)
    #expect(result.errorOutput.count == TaskResult.outputLimit)
    #expect(result.truncated)
  }

  @Test func outputExactlyAtTheCapIsNotTruncated() async {
    let small = ShellTaskRunner(outputLimit: 10)
    let exact = await small.run(ShellTask(command: "printf", arguments: ["0123456789"]))
    #expect(exact.output.count == 10)
    #expect(!exact.truncated)
    let over = await small.run(ShellTask(command: "printf", arguments: ["0123456789A"]))
    #expect(String(decoding: over.output, as: UTF8.self) == "0123456789")
    #expect(over.truncated)
  }

  @Test func timeoutKillsTheWholeProcessGroup() async throws {
    // The shell starts a background sleep that holds stdout open: only killing the
    // group lets the task end.
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "sleep 30 & sleep 30; echo never"]),
      timeout: .milliseconds(300))
    #expect(result.status == .timedOut)
    #expect(result.exitCode == Int32(137))
    #expect(result.output.isEmpty)
    #expect(result.message?.contains("timeout") == true)
  }

  @Test func signalsGiveStatus128PlusSignal() async {
    let result = await runner.run(ShellTask(command: "sh", arguments: ["-c", "kill -TERM $$"]))
    #expect(result.status == .failed)
    #expect(result.exitCode == Int32(143))
  }

  @Test func cancellationKillsTheProcess() async {
    let runner = self.runner
    let task = Task { await runner.run(ShellTask(command: "sleep", arguments: ["30"])) }
    try? await Task.sleep(for: .milliseconds(300))
    task.cancel()
    let result = await task.value
    #expect(result.status == .cancelled)
  }

  @Test func withoutStdinAProgramReadingItSeesItsEnd() async {
    // No stdin: the program's standard input is at its end at once (not the worker's).
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "cat; echo \"[$?]\""]))
    #expect(result.status == .succeeded)
    #expect(String(decoding: result.output, as: UTF8.self) == "[0]\n")
  }

  @Test func tasksInheritTheRunnersEnvironmentLessWithheldVariables() async {
    let runner = ShellTaskRunner(
      environment: [
        "PATH": "/usr/bin:/bin", "INHERITED": "from the worker", "OVERRIDDEN": "worker",
        "SHOAL_TOKEN": "secret", "SHOAL_PARENT_PID": "1",
      ])
    let script =
      "printf '%s|%s|%s|%s|%s' \"$INHERITED\" \"$OVERRIDDEN\" \"$ADDED\" "
      + "\"${SHOAL_TOKEN-unset}\" \"${SHOAL_PARENT_PID-unset}\""
    let result = await runner.run(
      ShellTask(
        command: "sh", arguments: ["-c", script],
        environment: ["OVERRIDDEN": "task", "ADDED": "new"]))
    #expect(result.status == .succeeded)
    #expect(
      String(decoding: result.output, as: UTF8.self) == "from the worker|task|new|unset|unset")
    // A task may still set a withheld variable itself.
    let own = await runner.run(
      ShellTask(
        command: "sh", arguments: ["-c", "printf %s \"$SHOAL_TOKEN\""],
        environment: ["SHOAL_TOKEN": "its own"]))
    #expect(String(decoding: own.output, as: UTF8.self) == "its own")
  }

  @Test func changingTheEnvironmentChangesWhatTasksInherit() async {
    var runner = ShellTaskRunner(environment: ["PATH": "/usr/bin:/bin", "STAGE": "one"])
    runner.environment["STAGE"] = "two"
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "printf %s \"$STAGE\""]))
    #expect(String(decoding: result.output, as: UTF8.self) == "two")
  }

  @Test func stdinThatIsNeverReadDoesNotHang() async {
    let big = [UInt8](repeating: 65, count: 4 << 20)
    let result = await runner.run(ShellTask(command: "true", stdin: big))
    #expect(result.status == .succeeded)
  }
}

@Suite("ShellTaskRunner streaming")
struct ShellTaskRunnerStreamingTests {
  @Test func handsEveryPieceToOnOutputUncappedAndKeepsTheCappedCopy() async {
    final class Pieces: Sendable { let list = Mutex<[(TaskOutput.Stream, [UInt8])]>([]) }
    let pieces = Pieces()
    let runner = ShellTaskRunner(outputLimit: 4)
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "echo first; echo oops >&2; echo second"])
    ) { stream, bytes in pieces.list.withLock { $0.append((stream, bytes)) } }
    let seen = pieces.list.withLock { $0 }
    let stdout = seen.filter { $0.0 == .stdout }.flatMap(\.1)
    let stderr = seen.filter { $0.0 == .stderr }.flatMap(\.1)
    #expect(String(decoding: stdout, as: UTF8.self) == "first\nsecond\n")
    #expect(String(decoding: stderr, as: UTF8.self) == "oops\n")
    #expect(result.status == .succeeded)
    #expect(String(decoding: result.output, as: UTF8.self) == "firs")
    #expect(result.truncated)
  }
}
