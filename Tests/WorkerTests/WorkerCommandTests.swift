import Foundation
import ShoalTestSupport
import Testing

/// `shoal worker` bad inputs and process-level behaviour.
@Suite("shoal worker command", .serialized)
struct WorkerCommandTests {
  @Test func wrongTokenIsFinal() async throws {
    try await TestCluster.with { cluster in
      let worker = try ChildProcess.shoal(
        "intruder", ["worker", cluster.address], environment: ["SHOAL_TOKEN": "wrong"])
      let status = await worker.waitForExit()
      #expect(status == 1)
      #expect(worker.stderr.contains("refused this worker"))
      #expect(try await cluster.load().workers.isEmpty)
    }
  }

  @Test func aSecondWorkerWithTheSameNameIsRefusedAndTheFirstKeepsWorking() async throws {
    try await TestCluster.with { cluster in
      let first = try cluster.startWorker("twin")
      defer { first.stop() }
      try await cluster.waitForWorkers(["twin"])
      let second = try cluster.startWorker("twin")
      // The newcomer is refused for good; the connected worker keeps its name.
      #expect(await second.waitForExit() == 1)
      #expect(second.stderr.contains("worker names must be unique"))
      #expect(first.isRunning)
      try await cluster.waitForWorkers(["twin"])
      let executor = try await cluster.executor()
      let result = try await executor.submit(.shell("echo", ["ok"])).result
      await executor.close()
      #expect(result.status == .succeeded)
      #expect(result.worker == "twin")
    }
  }

  @Test func tokenFromStdinAndFromAFile() async throws {
    try await TestCluster.with { cluster in
      let piped = try ChildProcess.shoal(
        "piped", ["worker", cluster.address, "--name", "piped", "--token-file", "-"],
        stdin: clusterToken + "\n")
      let file = try TemporaryDirectory.write(clusterToken + "\n", named: "token")
      let filed = try ChildProcess.shoal(
        "filed", ["worker", cluster.address, "--name", "filed", "--token-file", file])
      defer {
        piped.stop()
        filed.stop()
      }
      try await cluster.waitForWorkers(["piped", "filed"])
      // The token is not on any command line.
      let commandLine = try String(contentsOfFile: "/proc/\(piped.pid)/cmdline", encoding: .utf8)
      #expect(!commandLine.contains(clusterToken))
    }
  }

  @Test func missingTaskLibraryIsAnErrorAtStart() throws {
    let result = try CommandRunner.shoal(
      ["worker", "tcp://127.0.0.1:9", "--tasks", "NoSuchTasks"], environment: ["SHOAL_TOKEN": "t"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("cannot load task library"))
    #expect(result.stderr.contains("libNoSuchTasks.so"))
  }

  @Test func malformedAddressIsAUsageError() throws {
    for address in ["nonsense", "tcp://127.0.0.1", "http://127.0.0.1:80", "tcp://127.0.0.1:99999"] {
      let result = try CommandRunner.shoal(["worker", address], environment: ["SHOAL_TOKEN": "t"])
      #expect(result.status == 64, "\(address)")
      #expect(result.stderr.contains("malformed scheduler address"), "\(address): \(result.stderr)")
    }
  }

  @Test func badOptionsAreUsageErrors() throws {
    for arguments in [
      ["--nthreads", "0"], ["--give-up-after", "-1"], ["--name", "a b"], ["--tasks", "A.B"],
    ] {
      let result = try CommandRunner.shoal(
        ["worker", "tcp://127.0.0.1:9"] + arguments, environment: ["SHOAL_TOKEN": "t"])
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
    }
  }

  @Test func givesUpWithStatus3WhenNoSchedulerAnswers() throws {
    // Port 9 (discard) on loopback: nothing listens, connections are refused.
    let result = try CommandRunner.shoal(
      ["worker", "tcp://127.0.0.1:9", "--give-up-after", "1"], environment: ["SHOAL_TOKEN": "t"],
      timeout: 30)
    #expect(result.status == 3)
    #expect(result.stderr.contains("connection refused"))
    #expect(result.stderr.contains("giving up: no scheduler at tcp://127.0.0.1:9"))
  }

  @Test func noTokenAnywhereIsAnError() throws {
    let home = try TemporaryDirectory.make()
    let result = try CommandRunner.shoal(
      ["worker", "tcp://127.0.0.1:9"],
      environment: ["HOME": home, "XDG_STATE_HOME": home + "/state"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("no token"))
  }

  @Test func exitsAtOnceWhenItsParentIsAlreadyGone() throws {
    // pid 1 is not the test's child's parent: the worker must not start.
    let result = try CommandRunner.shoal(
      ["worker", "tcp://127.0.0.1:9"], environment: ["SHOAL_TOKEN": "t", "SHOAL_PARENT_PID": "1"],
      timeout: 30)
    #expect(result.status == 1)
    #expect(result.stderr.contains("is gone"))
  }

  @Test func exitsWhenItsParentIsKilled() async throws {
    // A shell starts the worker with SHOAL_PARENT_PID=$$, prints its pid, and waits;
    // SIGKILL on the shell must bring the worker down (PR_SET_PDEATHSIG).
    let parent = try ChildProcess(
      "parent", "/bin/sh",
      [
        "-c",
        "SHOAL_PARENT_PID=$$ SHOAL_TOKEN=t \"$0\" worker tcp://127.0.0.1:9 & echo \"worker: $!\"; wait",
        BuildProducts.shoal,
      ])
    let workerPID = Int32(try await parent.line(startingWith: "worker: "))!
    defer { kill(workerPID, SIGKILL) }
    // Bounded wait until the worker is past its start (it logs its first failed attempt).
    try await eventually("the worker starts") {
      parent.stderr.contains("cannot reach the scheduler")
    }
    parent.signal(SIGKILL)
    _ = await parent.waitForExit()
    try await eventually("the worker exits") { kill(workerPID, 0) != 0 }
  }
}
