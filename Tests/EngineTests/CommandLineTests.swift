import Foundation
import ShoalTestSupport
import Testing

/// A `shoal scheduler` process; killed on `stop()`.
struct SchedulerProcess {
  let process: Process
  let address: String
  let port: Int
  let stdoutPath: String
  let stderrPath: String

  /// Starts `shoal scheduler ARGUMENTS`; with `fileLimit`, under `ulimit -n fileLimit`.
  static func start(
    _ arguments: [String], environment: [String: String] = [:], fileLimit: Int? = nil
  ) async throws -> SchedulerProcess {
    let folder = try TemporaryDirectory.make("shoal-scheduler")
    let stdoutPath = folder + "/stdout"
    let stderrPath = folder + "/stderr"
    FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    FileManager.default.createFile(atPath: stderrPath, contents: nil)
    let process = Process()
    if let fileLimit {
      // The shell sets the limit, then becomes shoal (same pid).
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments =
        ["-c", "ulimit -n \(fileLimit) && exec \"$0\" \"$@\"", BuildProducts.shoal, "scheduler"]
        + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: BuildProducts.shoal)
      process.arguments = ["scheduler"] + arguments
    }
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "SHOAL_TOKEN")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
    try process.run()
    var line = ""
    do {
      try await eventually("the scheduler prints its address") {
        line = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        return line.hasSuffix("\n") || !process.isRunning
      }
    } catch {
      process.terminate()
      throw error
    }
    guard line.hasPrefix("address: tcp://127.0.0.1:"),
      let port = Int(line.split(separator: ":").last!.dropLast())
    else {
      process.terminate()
      let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
      Issue.record("unexpected scheduler output: \(line) \(stderr)")
      throw CancellationError()
    }
    return SchedulerProcess(
      process: process, address: "tcp://127.0.0.1:\(port)", port: port, stdoutPath: stdoutPath,
      stderrPath: stderrPath)
  }

  /// SIGTERM, then waits (bounded) for the exit; returns the exit status.
  func stop() async throws -> Int32 {
    if process.isRunning { process.terminate() }
    try await eventually("the scheduler exits") { !process.isRunning }
    return process.terminationStatus
  }
}

@Suite(.serialized) struct CommandLineTests {
  @Test func schedulerPrintsOneAddressLineAndWritesAPrivateTokenFile() async throws {
    let folder = try TemporaryDirectory.make()
    let tokenFile = folder + "/token"
    let scheduler = try await SchedulerProcess.start(["--port", "0", "--token-file", tokenFile])
    let attributes = try FileManager.default.attributesOfItem(atPath: tokenFile)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    let token = try String(contentsOfFile: tokenFile, encoding: .utf8)
    #expect(token.count == 65)
    #expect(try await scheduler.stop() == 0)
    let stdout = try String(contentsOfFile: scheduler.stdoutPath, encoding: .utf8)
    #expect(stdout == "address: \(scheduler.address)\n")

    // A second scheduler with the same file keeps its token.
    let again = try await SchedulerProcess.start(["--port", "0", "--token-file", tokenFile])
    #expect(try String(contentsOfFile: tokenFile, encoding: .utf8) == token)
    #expect(try await again.stop() == 0)
  }

  @Test func runAndMapUseTheDefaultTokenFile() async throws {
    let state = try TemporaryDirectory.make("shoal-state")
    let environment = ["XDG_STATE_HOME": state]
    let scheduler = try await SchedulerProcess.start(["--port", "0"], environment: environment)
    defer { scheduler.process.terminate() }
    let token = try String(contentsOfFile: state + "/shoal/token", encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let worker = try await TestWorker.connect(
      port: scheduler.port, token: token, name: "w", slots: 2)

    let run = try CommandRunner.shoal(
      ["run", "--address", scheduler.address, "--", "echo", "hello", "world"],
      environment: environment)
    #expect(run.status == 0)
    #expect(run.stdout == "hello world\n")

    let failing = try CommandRunner.shoal(
      ["run", "--address", scheduler.address, "--", "fail"], environment: environment)
    #expect(failing.status == 1)

    let inputs = (1...200).map { "\($0)" }.joined(separator: "\n") + "\n"
    let map = try CommandRunner.shoal(
      ["map", "--address", scheduler.address, "-j", "7", "--", "echo", "n{}"],
      environment: environment, stdin: inputs)
    #expect(map.status == 0)
    #expect(map.stdout == (1...200).map { "n\($0)\n" }.joined())
    #expect(map.stderr.contains("200 tasks, 200 succeeded"))
    #expect(map.stderr.contains("200/200 done"))

    let mixed = try CommandRunner.shoal(
      ["map", "--address", scheduler.address, "--", "{}", "x"], environment: environment,
      stdin: "echo\nfail\necho\n")
    #expect(mixed.status == 1)
    #expect(mixed.stdout == "x\nx\n")
    #expect(mixed.stderr.contains("3 tasks, 2 succeeded, 1 failed"))
    #expect(mixed.stderr.contains("line 2 `fail`"))

    await worker.kill()
    #expect(try await scheduler.stop() == 0)
  }

  @Test func connectingCommandsExplainBadTargets() async throws {
    let folder = try TemporaryDirectory.make()
    let tokenFile = folder + "/token"
    let scheduler = try await SchedulerProcess.start(["--port", "0", "--token-file", tokenFile])
    defer { scheduler.process.terminate() }
    let isolated = ["XDG_STATE_HOME": folder + "/state"]

    // Without --address the target is a cluster of clusters.yaml (the default one when
    // --cluster is not given either); a name it does not declare is an error.
    let config = try TemporaryDirectory.write("version: 1\nclusters:\n  only: {}\n")
    let noSuchCluster = try CommandRunner.shoal(
      ["run", "--config", config, "--cluster", "nosuch", "--", "true"], environment: isolated)
    #expect(noSuchCluster.status != 0)
    #expect(noSuchCluster.stderr.contains("nosuch"), "\(noSuchCluster.stderr)")
    #expect(noSuchCluster.stderr.contains("only"), "\(noSuchCluster.stderr)")
    // Like every other command: `error: ...`, not ArgumentParser's `Error: ...`.
    #expect(noSuchCluster.stderr.hasPrefix("error: "), "\(noSuchCluster.stderr)")

    let malformed = try CommandRunner.shoal(
      ["run", "--address", "tcp://nowhere", "--token-file", tokenFile, "--", "true"])
    #expect(malformed.status != 0)
    #expect(malformed.stderr.contains("malformed scheduler address"))
    #expect(malformed.stderr.hasPrefix("error: "), "\(malformed.stderr)")

    let noToken = try CommandRunner.shoal(
      ["run", "--address", scheduler.address, "--", "true"], environment: isolated)
    #expect(noToken.status != 0)
    #expect(noToken.stderr.contains("no token"))

    let wrongToken = try TemporaryDirectory.write("not-the-token\n", named: "token")
    let refused = try CommandRunner.shoal(
      ["map", "--address", scheduler.address, "--token-file", wrongToken, "--", "echo"],
      stdin: "a\n")
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("wrong token"))
    #expect(refused.stderr.contains("error: "), "\(refused.stderr)")
    #expect(!refused.stderr.contains("Error: "), "\(refused.stderr)")

    #expect(try await scheduler.stop() == 0)
    let unreachable = try CommandRunner.shoal(
      [
        "run", "--address", scheduler.address, "--token-file", tokenFile, "--connect-timeout", "3",
        "--", "true",
      ])
    #expect(unreachable.status != 0)
    #expect(unreachable.stderr.contains("no scheduler answers"))
  }

  @Test func schedulerReportsAPortInUse() async throws {
    let folder = try TemporaryDirectory.make()
    let first = try await SchedulerProcess.start(["--port", "0", "--token-file", folder + "/t"])
    defer { first.process.terminate() }
    let second = try CommandRunner.shoal(
      ["scheduler", "--port", "\(first.port)", "--token-file", folder + "/t"], timeout: 30)
    #expect(second.status != 0)
    #expect(second.stdout.isEmpty)
    #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(first.port)"))
    #expect(try await first.stop() == 0)
  }

  @Test func schedulerRefusesABadPort() throws {
    let result = try CommandRunner.shoal(["scheduler", "--port", "70000"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("--port"))
  }
}

/// `shoal run` streams: with a real scheduler and a real worker, the command's first
/// lines reach `shoal run`'s stdout and stderr while the command is still running.
@Suite(.serialized) struct RunStreamingTests {
  /// Starts `shoal ARGUMENTS` with stdout and stderr going to files in `folder`.
  private func start(_ arguments: [String], folder: String, name: String) throws -> (
    process: Process, stdout: String, stderr: String
  ) {
    let stdout = folder + "/\(name).out"
    let stderr = folder + "/\(name).err"
    FileManager.default.createFile(atPath: stdout, contents: nil)
    FileManager.default.createFile(atPath: stderr, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: BuildProducts.shoal)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "SHOAL_TOKEN")
    process.environment = environment
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
    try process.run()
    return (process, stdout, stderr)
  }

  @Test func runPrintsOutputWhileTheCommandRuns() async throws {
    let folder = try TemporaryDirectory.make()
    let tokenFile = folder + "/token"
    let marker = folder + "/go-on"
    let scheduler = try await SchedulerProcess.start(["--port", "0", "--token-file", tokenFile])
    defer { scheduler.process.terminate() }
    let worker = try start(
      ["worker", scheduler.address, "--name", "w", "--token-file", tokenFile], folder: folder,
      name: "worker")
    defer { worker.process.terminate() }

    // Prints a line on each stream, then waits (at most ~60 s) until the test has seen
    // them and creates the marker, sleeps a second, and prints the last line.
    let script = """
      echo first; echo oops >&2
      i=0; while [ ! -e '\(marker)' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
      sleep 1; echo second
      """
    let run = try start(
      ["run", "--address", scheduler.address, "--token-file", tokenFile, "--", "sh", "-c", script],
      folder: folder, name: "run")
    defer { if run.process.isRunning { run.process.terminate() } }

    func contents(_ path: String) -> String {
      (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
    try await eventually("shoal run prints the first line", timeout: .seconds(60)) {
      contents(run.stdout) == "first\n" && contents(run.stderr) == "oops\n"
        || !run.process.isRunning
    }
    // The command cannot have ended: it waits for the marker, which is not there yet.
    #expect(run.process.isRunning, "shoal run ended early: \(contents(run.stderr))")
    #expect(contents(run.stdout) == "first\n")
    #expect(contents(run.stderr) == "oops\n")
    FileManager.default.createFile(atPath: marker, contents: nil)

    try await eventually("shoal run exits", timeout: .seconds(60)) { !run.process.isRunning }
    #expect(run.process.terminationStatus == 0)
    // Streamed once, not printed again from the result at the end.
    #expect(contents(run.stdout) == "first\nsecond\n")
    #expect(contents(run.stderr) == "oops\n")

    worker.process.terminate()
    try await eventually("the worker exits") { !worker.process.isRunning }
    #expect(try await scheduler.stop() == 0)
  }
}
