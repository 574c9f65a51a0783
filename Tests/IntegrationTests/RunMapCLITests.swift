import Foundation
import ShoalTestSupport
import Testing

/// Issue 17: `shoal run` and `shoal map` as a new user meets them, on real temporary
/// local clusters (real `shoal worker` processes), with a state folder of the test's own.
@Suite(.serialized) struct RunMapCLITests {
  let folder: String
  let config: String
  let environment: [String: String]

  init() throws {
    folder = try TemporaryDirectory.make("s17-map")
    config = folder + "/clusters.yaml"
    try
      "version: 1\nclusters:\n  local:\n    cluster_kwargs: {n_workers: 2, threads_per_worker: 1}\n"
      .write(toFile: config, atomically: true, encoding: .utf8)
    environment = ["SHOAL_STATE_DIR": folder + "/state"]
  }

  func shoal(_ arguments: [String], stdin: String? = nil) throws -> CommandOutput {
    var arguments = arguments
    arguments.insert(contentsOf: ["--config", config], at: 1)
    return try CommandRunner.shoal(
      arguments, environment: environment, currentDirectory: folder, stdin: stdin, timeout: 120)
  }

  /// The folders left under `STATE/temporary`.
  var temporaryFolders: [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: folder + "/state/temporary")) ?? []
  }

  @Test func aCommandThatDoesNotExistIsReportedTheSameWayByRunAndMap() throws {
    let run = try shoal(["run", "--", "s17-nosuchcmd", "x"])
    #expect(run.status == 1)
    #expect(
      run.stderr.hasPrefix("error: command not found: s17-nosuchcmd (searched PATH="),
      "\(run.stderr)")

    let nowhere = try shoal(["run", "--cwd", "/nonexistent/s17", "--", "true"])
    #expect(nowhere.status == 1)
    #expect(nowhere.stderr == "error: working directory not found: /nonexistent/s17\n")

    let map = try shoal(["map", "--", "s17-nosuchcmd", "{}"], stdin: "a\nb\nc\n")
    #expect(map.status == 1)
    let lines = map.stderr.split(separator: "\n")
    // Printed once, in full, then counted.
    #expect(
      lines.filter { $0.contains("command not found: s17-nosuchcmd (searched PATH=") }.count == 1,
      "\(map.stderr)")
    #expect(map.stderr.contains(": command not found: s17-nosuchcmd (searched PATH="))
    #expect(map.stderr.contains("shoal map: 3 lines failed like line "), "\(map.stderr)")
    #expect(map.stderr.contains("(lines 1, 2, 3)"))
    #expect(map.stderr.contains("3 tasks, 0 succeeded, 3 failed in "))
    #expect(temporaryFolders.isEmpty, "\(temporaryFolders)")
  }

  @Test func failuresAreReportedOnceAndBeforeTheProgressThatCountsThem() throws {
    let inputs = (1...6).map(String.init).joined(separator: "\n") + "\n"
    let map = try shoal(
      ["map", "-j", "1", "--", "sh", "-c", "echo {}; test {} -ne 2 && test {} -ne 4"], stdin: inputs
    )
    #expect(map.status == 1)
    #expect(map.stdout == "1\n2\n3\n4\n5\n6\n")
    let stderr = map.stderr
    let failure = try #require(
      stderr.range(of: "shoal map: line 2 `2`: exit status 1\n"), "\(stderr)")
    let counted = try #require(stderr.range(of: "2/6 done, 1 failed"), "\(stderr)")
    #expect(failure.lowerBound < counted.lowerBound)
    // The same reason again (line 4) is counted, not printed again.
    #expect(!stderr.contains("line 4 `4`:"), "\(stderr)")
    #expect(stderr.contains("shoal map: 2 lines failed with exit status 1 (lines 2, 4)"))
    #expect(stderr.contains("6 tasks, 4 succeeded, 2 failed in "), "\(stderr)")
    #expect(stderr.contains("; first failure: line 2 `2`"))
    #expect(!stderr.contains("sh exited with status"))
  }

  @Test func failFastStopsAtTheFirstFailure() throws {
    let inputs = (1...30).map(String.init).joined(separator: "\n") + "\n"
    let map = try shoal(
      ["map", "-j", "1", "--fail-fast", "--", "sh", "-c", "test {} -ne 3"], stdin: inputs)
    #expect(map.status == 1)
    #expect(map.stderr.contains("stopped at the first failure (--fail-fast)"), "\(map.stderr)")
    #expect(
      map.stderr.contains("30 tasks, 2 succeeded, 1 failed, 27 not finished"), "\(map.stderr)")
    #expect(temporaryFolders.isEmpty)
  }

  @Test func aCommandWithoutPlaceholderGetsAWarning() throws {
    let map = try shoal(["map", "--", "echo", "n"], stdin: "1\n2\n")
    #expect(map.status == 0)
    #expect(map.stdout == "n 1\nn 2\n")
    #expect(
      map.stderr.hasPrefix(
        "warning: the command has no {}: each input line is added as its last argument (`echo n LINE`)"
      ), "\(map.stderr)")
    let quiet = try shoal(["map", "--", "echo", "{}"], stdin: "1\n")
    #expect(!quiet.stderr.contains("warning"))
  }

  @Test func retriesRunAFailingTaskAgain() throws {
    let counter = folder + "/count-\(UUID().uuidString.prefix(6))"
    let script =
      "n=$(cat \(counter) 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(counter); [ $n -ge 3 ]"
    let run = try shoal(["run", "--retries", "2", "--", "sh", "-c", script])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try String(contentsOfFile: counter, encoding: .utf8) == "3\n")

    try FileManager.default.removeItem(atPath: counter)
    let map = try shoal(
      ["map", "--retries", "1", "--", "sh", "-c", script + " # {}"], stdin: "x\n")
    #expect(map.status == 1)
    #expect(try String(contentsOfFile: counter, encoding: .utf8) == "2\n")
    let bad = try shoal(["map", "--retries", "-1", "--", "true"], stdin: "")
    #expect(bad.status == 64)
  }

  @Test func ctrlCReportsWhatFinishedAndClosesTheCluster() async throws {
    let map = try Spawned(
      ["map", "--config", config, "--", "sh", "-c", "test {} = 0 || sleep {}"],
      environment: environment,
      currentDirectory: folder, stdin: "0\n60\n60\n")
    defer { map.stop() }
    try await eventually("the first task is done", timeout: .seconds(60)) {
      map.stderr.contains("1/3 done") || !map.process.isRunning
    }
    try await Task.sleep(for: .milliseconds(500))
    map.signal(SIGINT)
    let status = await map.exitStatus(within: 60)
    #expect(status == 130, "\(map.stderr)")
    #expect(map.stderr.contains("3 tasks, 1 succeeded, 2 not finished in "), "\(map.stderr)")
    #expect(map.stderr.contains("; interrupted"))
    #expect(temporaryFolders.isEmpty, "\(temporaryFolders)")
  }

  @Test func ctrlCWhileTheClusterStartsSubmitsNothingAndCleansUp() async throws {
    // Workers that take two seconds to start: the interrupt comes before the cluster is up.
    let slow = try TemporaryDirectory.write(
      "#!/bin/sh\nsleep 2\nexec '\(BuildProducts.shoal)' \"$@\"\n", named: "slow-shoal")
    chmod(slow, 0o755)
    var slowly = environment
    slowly["SHOAL_WORKER_EXECUTABLE"] = slow
    let map = try Spawned(
      ["map", "--config", config, "--", "echo", "{}"], environment: slowly,
      currentDirectory: folder, stdin: "a\nb\n")
    defer { map.stop() }
    try await Task.sleep(for: .milliseconds(700))
    map.signal(SIGINT)
    let status = await map.exitStatus(within: 90)
    #expect(status == 130, "\(map.stderr)")
    #expect(map.stdout.isEmpty)
    #expect(map.stderr.contains("2 tasks, 0 succeeded, 2 not finished in "), "\(map.stderr)")
    #expect(temporaryFolders.isEmpty, "\(temporaryFolders)")

    let run = try Spawned(
      ["run", "--config", config, "--", "echo", "never"], environment: slowly,
      currentDirectory: folder)
    defer { run.stop() }
    try await Task.sleep(for: .milliseconds(700))
    run.signal(SIGINT)
    #expect(await run.exitStatus(within: 90) == 130, "\(run.stderr)")
    #expect(run.stdout.isEmpty)
    #expect(temporaryFolders.isEmpty, "\(temporaryFolders)")
  }

  @Test func aClusterThatFailsToStartKeepsItsLogsButOnlyTheNewestFive() throws {
    var failing = environment
    failing["SHOAL_WORKER_EXECUTABLE"] = "/bin/false"
    for _ in 0..<7 {
      let run = try CommandRunner.shoal(
        ["run", "--config", config, "--", "true"], environment: failing,
        currentDirectory: folder, timeout: 120)
      #expect(run.status == 1)
      #expect(run.stderr.contains("did not start"), "\(run.stderr)")
    }
    #expect(temporaryFolders.count == 5, "\(temporaryFolders)")
  }

  @Test func theBarUsesTheTerminalWidthAndShowsCountsRateAndTimeLeft() throws {
    let inputs = folder + "/inputs-\(UUID().uuidString.prefix(6))"
    try (1...12).map(String.init).joined(separator: "\n").appending("\n")
      .write(toFile: inputs, atomically: true, encoding: .utf8)
    let screen = try Terminal.run(
      ["map", "--config", config, "--inputs", inputs, "--", "sh", "-c", "sleep 0.4; echo {}"],
      columns: 100, environment: environment, currentDirectory: folder)
    let bars = screen.components(separatedBy: "\r").filter {
      $0.hasPrefix("[#") || $0.hasPrefix("[.")
    }
    .map { $0.replacingOccurrences(of: "\u{1B}[K", with: "") }
    .map { $0.components(separatedBy: "\n")[0] }
    #expect(!bars.isEmpty, "\(screen)")
    for bar in bars {
      #expect(bar.count <= 99, "\(bar)")
      #expect(bar.count >= 80, "the bar fills the width: \(bar)")
    }
    #expect(bars.contains { $0.contains(" running · ") && $0.contains(" queued") }, "\(bars)")
    #expect(bars.contains { $0.contains("/s · ETA ") }, "\(bars)")
    #expect(screen.contains("12 tasks, 12 succeeded in "))

    let narrow = try Terminal.run(
      ["map", "--config", config, "--inputs", inputs, "--", "sh", "-c", "sleep 0.4; echo {}"],
      columns: 60, environment: environment, currentDirectory: folder)
    let narrowBars = narrow.components(separatedBy: "\r").filter { $0.hasPrefix("[") }
      .map { $0.replacingOccurrences(of: "\u{1B}[K", with: "").components(separatedBy: "\n")[0] }
    #expect(!narrowBars.isEmpty && narrowBars.allSatisfy { $0.count <= 59 }, "\(narrowBars)")
  }

  @Test func atATerminalWithNothingPipedInMapSaysItReadsStdin() throws {
    let screen = try Terminal.run(
      ["map", "--config", config, "--", "echo", "got", "{}"], columns: 100,
      prompt: "end them with Ctrl-D", input: "a\nb\n", environment: environment,
      currentDirectory: folder)
    #expect(
      screen.contains("shoal map: reading input lines from the terminal; end them with Ctrl-D"),
      "\(screen)")
    #expect(screen.contains("got a"))
    #expect(screen.contains("got b"))
    #expect(screen.contains("2 tasks, 2 succeeded"))
  }
}
