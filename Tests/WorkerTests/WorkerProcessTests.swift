import Foundation
import Shoal
import ShoalTestSupport
import ShoalWire
import Testing

/// A scheduler and real `shoal worker` processes on loopback.
@Suite("Worker processes", .serialized)
struct WorkerProcessTests {
  @Test func aThousandShellTasksAllCorrect() async throws {
    try await TestCluster.with { cluster in
      try cluster.startWorker("w1", nthreads: 2)
      try cluster.startWorker("w2", nthreads: 2)
      try await cluster.waitForWorkers(["w1", "w2"])
      let executor = try await cluster.executor()
      let results = try await executor.map((0..<1000).map { .shell("echo", ["task \($0)"]) })
      await executor.close()
      #expect(results.count == 1000)
      for (index, result) in results.enumerated() {
        #expect(result.status == .succeeded, "task \(index): \(result.message ?? "")")
        #expect(text(result.output) == "task \(index)\n")
        #expect(result.worker == "w1" || result.worker == "w2")
      }
      let load = try await cluster.load()
      #expect(load.completed == 1000)
      #expect(load.queued == 0 && load.running == 0)
    }
  }

  @Test func aThousandShellTasksThroughShoalMap() async throws {
    // The README's path: shoal scheduler + two shoal worker + shoal map --address.
    try await TestCluster.with { cluster in
      try cluster.startWorker("m1", nthreads: 2)
      try cluster.startWorker("m2", nthreads: 2)
      try await cluster.waitForWorkers(["m1", "m2"])
      let inputs = (1...1000).map(String.init).joined(separator: "\n") + "\n"
      let map = try ChildProcess.shoal(
        "map",
        [
          "map", "--address", cluster.address, "--token-file", cluster.tokenFile, "--",
          "sh", "-c", "echo $(({} * {}))",
        ], stdin: inputs)
      defer { map.stop() }
      #expect(await map.waitForExit(timeout: .seconds(300)) == 0, "\(map.stderr)")
      #expect(map.stdout == (1...1000).map { "\($0 * $0)\n" }.joined())
    }
  }

  @Test func swiftTasksEndToEnd() async throws {
    try await TestCluster.with { cluster in
      try cluster.startWorker("swift", nthreads: 2, arguments: testTaskArguments)
      try await cluster.waitForWorkers(["swift"])
      let executor = try await cluster.executor()
      let squares = try await executor.map((1...50).map { testTask("Square", "\($0)") })
      for (index, result) in squares.enumerated() {
        #expect(result.status == .succeeded)
        #expect(text(result.output) == "\((index + 1) * (index + 1))")
      }
      let builtin = try await executor.map([
        testTask("noop", "0", library: "Builtin"), testTask("sleep", "5", library: "Builtin"),
        testTask(
          "echo", #""hi""#, inputType: "Swift.String", outputType: "Swift.String",
          library: "Builtin"),
      ])
      #expect(builtin.map(\.status) == [.succeeded, .succeeded, .succeeded])
      #expect(text(builtin[2].output) == #""hi""#)
      let point = try await executor.map([
        testTask(
          "Describe", #"{"x": 1, "y": 2}"#, inputType: "TestTasks.Describe.Point",
          outputType: "Swift.String")
      ])
      #expect(text(point[0].output) == #""(1, 2)""#)
      await executor.close()
    }
  }

  @Test func cpuBoundSwiftTasksDoNotStarveTheConnection() async throws {
    // As many tasks as CPUs, each computing for longer than twice the heartbeat timeout
    // without suspending: on Swift's shared pool they would silence the worker and the
    // scheduler would declare it lost.
    let cpus = ProcessInfo.processInfo.activeProcessorCount
    try await TestCluster.with(heartbeatTimeout: 2) { cluster in
      let worker = try cluster.startWorker(
        "cruncher", nthreads: cpus, arguments: testTaskArguments)
      try await cluster.waitForWorkers(["cruncher"])
      let executor = try await cluster.executor()
      let results = try await executor.map((0..<cpus).map { _ in testTask("Spin", "5000") })
      await executor.close()
      for result in results {
        #expect(result.status == .succeeded, "\(result.message ?? "")")
      }
      #expect(!worker.stderr.contains("lost the scheduler"))
    }
  }

  @Test func tasksRunAtTheNicenessTheWorkerWasStartedWith() async throws {
    // Linux keeps niceness per thread and libdispatch renices its pool threads (to -4
    // as root): tasks started from them would not inherit `nice -n 7 shoal worker`.
    try await TestCluster.with { cluster in
      let worker = try ChildProcess(
        "nice", "/usr/bin/nice",
        ["-n", "7", BuildProducts.shoal, "worker", cluster.address, "--name", "nice", "--nthreads", "4"],
        environment: ["SHOAL_TOKEN": clusterToken])
      defer { worker.signal(SIGKILL) }
      try await cluster.waitForWorkers(["nice"])
      let executor = try await cluster.executor()
      let results = try await executor.map(
        (0..<16).map { _ in TaskSpec.shell("sh", ["-c", "cut -d' ' -f19 /proc/$$/stat"]) })
      await executor.close()
      for result in results {
        #expect(result.status == .succeeded, "\(result.message ?? "")")
        #expect(String(decoding: result.output, as: UTF8.self) == "7\n")
      }
    }
  }

  @Test func badTaskInputsAreResultsAndTheWorkerKeepsServing() async throws {
    try await TestCluster.with { cluster in
      let worker = try cluster.startWorker("bad", nthreads: 2, arguments: testTaskArguments)
      try await cluster.waitForWorkers(["bad"])
      let executor = try await cluster.executor()
      let results = try await executor.map([
        testTask("Sqare", "3"),  // unknown task
        testTask("Square", #""three""#),  // input that does not decode
        testTask("Square", "3", inputType: "Swift.String"),  // types differ
        testTask("Square", "3", library: "NoSuchTasks"),  // library not found
        testTask("Fail", #""on purpose""#, inputType: "Swift.String"),  // throws
        .shell("shoal-no-such-command", ["x"]),  // command not found
        .shell("sh", ["-c", "head -c 3000000 /dev/zero; echo tail >&2"]),  // over the cap
        .shell("sleep", ["30"], timeout: .milliseconds(300)),  // timeout
        testTask("Square", "9"),  // still serving
        .shell("sh", ["-c", "echo ${SHOAL_TOKEN-withheld}"]),  // the token stays with the worker
      ])
      await executor.close()
      #expect(results[0].status == .rejected)
      #expect(results[0].message?.contains("no task `Sqare` in task library TestTasks") == true)
      #expect(results[0].message?.contains("did you mean `Square`?") == true)
      #expect(results[1].status == .rejected)
      #expect(results[1].message?.contains("input does not decode as Swift.Int") == true)
      #expect(results[2].status == .rejected)
      #expect(results[2].message?.contains("type mismatch") == true)
      #expect(results[3].status == .rejected)
      #expect(results[3].message?.contains("libNoSuchTasks.so") == true)
      #expect(results[4].status == .failed)
      #expect(results[4].message?.contains("Fail was asked to fail: on purpose") == true)
      #expect(results[5].status == .failed)
      #expect(results[5].message?.hasPrefix("command not found: shoal-no-such-command") == true)
      #expect(results[6].status == .succeeded)
      #expect(results[6].truncated)
      #expect(results[6].output.count == TaskResult.outputLimit)
      #expect(text(results[6].errorOutput) == "tail\n")
      #expect(results[7].status == .timedOut)
      #expect(results[8].status == .succeeded)
      #expect(text(results[8].output) == "81")
      #expect(text(results[9].output) == "withheld\n")
      #expect(worker.isRunning)
    }
  }

  @Test func cancellingARunningTaskKillsItsProcess() async throws {
    try await TestCluster.with { cluster in
      let worker = try cluster.startWorker("canceller")
      try await cluster.waitForWorkers(["canceller"])
      let executor = try await cluster.executor()
      let pidFile = try TemporaryDirectory.make() + "/pid"
      let handle = executor.submit(.shell("sh", ["-c", "echo $$ > \(pidFile); exec sleep 60"]))
      try await eventually("the task writes its pid") {
        ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").hasSuffix("\n")
      }
      let pid = Int32(try String(contentsOfFile: pidFile, encoding: .utf8).dropLast())!
      executor.cancel(handle)
      let result = try await handle.result
      #expect(result.status == .cancelled)
      try await eventually("the process is gone") { kill(pid, 0) != 0 }
      let after = try await executor.submit(.shell("echo", ["still here"])).result
      await executor.close()
      #expect(text(after.output) == "still here\n")
      #expect(worker.isRunning)
    }
  }

  @Test func aWorkerKilledMidTaskLosesNothing() async throws {
    try await TestCluster.with { cluster in
      let victim = try cluster.startWorker("victim", nthreads: 2)
      try await cluster.waitForWorkers(["victim"])
      let executor = try await cluster.executor()
      // Long tasks: the victim takes two, the rest wait in the queue.
      let handles = executor.submit(
        (0..<6).map { .shell("sh", ["-c", "sleep 1; echo done \($0)"]) })
      try await eventually("the victim runs two tasks") {
        (try await cluster.load().workers.first?.running ?? 0) >= 2
      }
      victim.signal(SIGKILL)
      #expect(await victim.waitForExit() == 128 + SIGKILL)
      try cluster.startWorker("rescuer", nthreads: 3)
      let results = try await executor.gather(handles)
      await executor.close()
      #expect(results.count == 6)
      for (index, result) in results.enumerated() {
        #expect(result.status == .succeeded)
        #expect(text(result.output) == "done \(index)\n")
        #expect(result.worker == "rescuer")
      }
      let load = try await cluster.load()
      #expect(load.completed == 6)
      #expect(load.queued == 0 && load.running == 0)
    }
  }

  @Test func sigtermDrainsCleanly() async throws {
    try await TestCluster.with { cluster in
      let draining = try cluster.startWorker("draining", nthreads: 2)
      try await cluster.waitForWorkers(["draining"])
      let executor = try await cluster.executor()
      let handles = executor.submit(
        (0..<5).map { .shell("sh", ["-c", "sleep 1; echo ok \($0)"]) })
      try await eventually("the worker runs two tasks") {
        (try await cluster.load().workers.first?.running ?? 0) >= 2
      }
      try cluster.startWorker("other", nthreads: 2)
      draining.signal(SIGTERM)
      #expect(await draining.waitForExit() == 0)
      let results = try await executor.gather(handles)
      await executor.close()
      for (index, result) in results.enumerated() {
        #expect(result.status == .succeeded)
        #expect(text(result.output) == "ok \(index)\n")
      }
      // The two running tasks finished on the draining worker; it took no others.
      #expect(results.filter { $0.worker == "draining" }.count == 2)
      #expect(draining.stderr.contains("draining"))
    }
  }

  @Test func drainGraceHandsBackTasksThatRunTooLong() async throws {
    try await TestCluster.with { cluster in
      let slow = try cluster.startWorker("slow", nthreads: 1, arguments: ["--drain-grace", "0.3"])
      try await cluster.waitForWorkers(["slow"])
      let executor = try await cluster.executor()
      let handle = executor.submit(.shell("sh", ["-c", "sleep 3; echo finished"]))
      try await eventually("the task runs") { try await cluster.load().running == 1 }
      slow.signal(SIGTERM)
      #expect(await slow.waitForExit() == 0)
      try cluster.startWorker("patient")
      let result = try await handle.result
      await executor.close()
      #expect(result.status == .succeeded)
      #expect(result.worker == "patient")
    }
  }

  @Test func reconnectsWhenTheSchedulerRestarts() async throws {
    var port = 0
    var worker: ChildProcess?
    defer { worker?.stop() }
    try await TestCluster.with { cluster in
      port = cluster.port
      worker = try ChildProcess.shoal(
        "phoenix", ["worker", cluster.address, "--name", "phoenix"],
        environment: ["SHOAL_TOKEN": clusterToken])
      try await cluster.waitForWorkers(["phoenix"])
    }
    // The scheduler is gone; the worker keeps trying until one listens on the port again.
    try await Task.sleep(for: .milliseconds(500))
    #expect(worker?.isRunning == true)
    try await TestCluster.with(port: port) { cluster in
      try await cluster.waitForWorkers(["phoenix"])
      let executor = try await cluster.executor()
      let result = try await executor.submit(.shell("echo", ["back"])).result
      await executor.close()
      #expect(text(result.output) == "back\n")
      #expect(result.worker == "phoenix")
    }
    #expect(worker?.stderr.contains("lost the scheduler") == true)
  }

  @Test func retiredWorkerExitsZero() async throws {
    try await TestCluster.withEmbedded { cluster in
      let worker = try cluster.startWorker("retiree")
      try await cluster.waitForWorkers(["retiree"])
      #expect(await cluster.retire(["retiree"]) == ["retiree"])
      let status = await worker.waitForExit()
      #expect(status == 0, "\(worker.stderr)")
      #expect(worker.stderr.contains("retired"))
    }
  }
}

/// The network between worker and scheduler goes silent without closing anything.
@Suite("Worker and a silent network", .serialized)
struct WorkerNetworkTests {
  @Test func aSilentNetworkIsDetectedAndTheWorkerReconnects() async throws {
    try await TestCluster.with(heartbeatTimeout: 3) { cluster in
      let proxy = try await FreezableProxy.start(upstreamPort: cluster.port)
      defer { proxy.close() }
      let worker = try cluster.startWorker("behind-proxy", through: proxy.address)
      try await cluster.waitForWorkers(["behind-proxy"])
      let executor = try await cluster.executor()
      let handle = executor.submit(.shell("sh", ["-c", "sleep 2; echo survived"]))
      try await eventually("the task runs") { try await cluster.load().running == 1 }
      proxy.freeze()
      // The scheduler hears nothing for its timeout and requeues the task; the worker
      // hears nothing for the timeout it was given and drops the connection.
      try await eventually("the worker notices the silence") {
        worker.stderr.contains("no message from the scheduler")
      }
      proxy.thaw()
      let result = try await handle.result
      await executor.close()
      #expect(result.status == .succeeded)
      #expect(text(result.output) == "survived\n")
      #expect(result.worker == "behind-proxy")
      #expect(worker.isRunning)
    }
  }
}
