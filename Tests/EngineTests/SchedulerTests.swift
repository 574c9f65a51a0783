import Shoal
import ShoalCore
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Testing

@Suite(.serialized) struct SchedulerTests {
  @Test func assignsTasksToWorkersAndReturnsResultsInOrder() async throws {
    try await withScheduler { scheduler, address, port in
      let a = try await TestWorker.connect(port: port, token: testToken, name: "a", slots: 2)
      let b = try await TestWorker.connect(port: port, token: testToken, name: "b", slots: 2)
      let executor = try await Executor.connect(address: address, token: testToken)
      let results = try await executor.map((0..<500).map { echo("\($0)") })
      #expect(results.map(text) == (0..<500).map { "\($0)\n" })
      #expect(results.allSatisfy { $0.status == .succeeded })
      #expect(Set(results.compactMap(\.worker)) == ["a", "b"])
      let load = try await scheduler.load()
      #expect(load.completed == 500)
      #expect(load.queued == 0 && load.running == 0)
      #expect(load.totalSlots == 4)
      #expect(load.idleWorkers == 2)
      await executor.close()
      await a.kill()
      await b.kill()
    }
  }

  @Test func sendsEachClientItsOwnResults() async throws {
    try await withScheduler { _, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w", slots: 4)
      let first = try await Executor.connect(address: address, token: testToken)
      let second = try await Executor.connect(address: address, token: testToken)
      async let one = first.map((0..<200).map { echo("first \($0)") })
      async let two = second.map((0..<200).map { echo("second \($0)") })
      #expect(try await one.map(text) == (0..<200).map { "first \($0)\n" })
      #expect(try await two.map(text) == (0..<200).map { "second \($0)\n" })
      await first.close()
      await second.close()
      await worker.kill()
    }
  }

  @Test func requeuesTheTasksOfALostWorker() async throws {
    try await withScheduler { scheduler, address, port in
      let doomed = try await TestWorker.connect(
        port: port, token: testToken, name: "doomed", hang: true)
      let executor = try await Executor.connect(address: address, token: testToken)
      let handle = executor.submit(echo("survives"))
      try await eventually("the task is assigned") { try await scheduler.load().running == 1 }
      await doomed.kill()
      try await eventually("the task is queued again") { try await scheduler.load().queued == 1 }
      let healthy = try await TestWorker.connect(port: port, token: testToken, name: "healthy")
      let result = try await handle.result
      #expect(result.status == .succeeded)
      #expect(result.worker == "healthy")
      await executor.close()
      await healthy.kill()
    }
  }

  @Test func aTaskLostMoreThanTheRetryLimitIsLost() async throws {
    let configuration = SchedulerConfiguration(token: testToken, retryLimit: 1)
    try await withScheduler(configuration) { scheduler, address, port in
      let executor = try await Executor.connect(address: address, token: testToken)
      let handle = executor.submit(echo("doomed"))
      for name in ["first", "second"] {
        let worker = try await TestWorker.connect(
          port: port, token: testToken, name: name, hang: true)
        try await eventually("the task is assigned to \(name)") {
          try await scheduler.load().running == 1
        }
        await worker.kill()
      }
      let result = try await handle.result
      #expect(result.status == .lost)
      let message = try #require(result.message)
      #expect(message.contains("worker lost"))
      #expect(message.contains("`first`") && message.contains("`second`"))
      await executor.close()
    }
  }

  @Test func retiresAWorkerAfterItsRunningTasks() async throws {
    try await withScheduler { scheduler, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "old")
      let executor = try await Executor.connect(address: address, token: testToken)
      let slow = executor.submit(.shell("sleep", ["300"]))
      try await eventually("the task runs") { try await scheduler.load().running == 1 }
      let retired = await scheduler.retire(workers: ["old", "nobody"])
      #expect(retired == ["old"])
      // The running task finished (on that worker) before the worker was told to exit.
      let result = try await slow.result
      #expect(result.status == .succeeded && result.worker == "old")
      try await eventually("the worker got `retire`") { worker.received.contains(.retire) }
      // A task submitted now waits for a new worker instead of going to the retired one.
      let later = executor.submit(echo("later"))
      try await eventually("the retired worker is gone") {
        try await scheduler.load().workers.isEmpty
      }
      let fresh = try await TestWorker.connect(port: port, token: testToken, name: "fresh")
      #expect(try await later.result.worker == "fresh")
      await executor.close()
      await fresh.kill()
    }
  }

  @Test func aDrainingWorkerHandsTasksBackWithoutARetry() async throws {
    let configuration = SchedulerConfiguration(token: testToken, retryLimit: 0)
    try await withScheduler(configuration) { scheduler, address, port in
      let drainer = try await TestWorker.connect(
        port: port, token: testToken, name: "drainer", sendDrainAndHandBack: true)
      let executor = try await Executor.connect(address: address, token: testToken)
      let handle = executor.submit(echo("handed back"))
      try await eventually("the worker drains") {
        try await scheduler.load().workers.first?.draining == true
      }
      #expect(try await scheduler.load().queued == 1)
      let other = try await TestWorker.connect(port: port, token: testToken, name: "other")
      let result = try await handle.result
      #expect(result.status == .succeeded && result.worker == "other")
      await executor.close()
      await drainer.kill()
      await other.kill()
    }
  }

  @Test func aClientThatLeavesMidMapHasItsTasksDropped() async throws {
    try await withScheduler { scheduler, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w")
      let leaving = try await Executor.connect(address: address, token: testToken)
      let handles = leaving.submit((0..<50).map { _ in .shell("sleep", ["200"]) })
      try await eventually("the map is queued") { try await scheduler.load().queued == 49 }
      await leaving.close()
      await #expect(throws: ShoalError.self) { try await handles[10].result }
      try await eventually("its tasks are dropped") {
        let load = try await scheduler.load()
        return load.queued == 0 && load.running == 0
      }
      // The running one was cancelled on the worker.
      #expect(worker.received.contains { if case .cancel = $0 { true } else { false } })
      let staying = try await Executor.connect(address: address, token: testToken)
      #expect(try await staying.map([echo("still served")]).map(text) == ["still served\n"])
      await staying.close()
      await worker.kill()
    }
  }

  @Test func cancelsAQueuedTask() async throws {
    try await withScheduler { _, address, _ in
      let executor = try await Executor.connect(address: address, token: testToken)
      let handle = executor.submit(echo("never runs"))
      executor.cancel(handle)
      #expect(try await handle.result.status == .cancelled)
      await executor.close()
    }
  }

  @Test func picksIdleWorkersToClose() async throws {
    try await withScheduler { scheduler, address, port in
      let busy = try await TestWorker.connect(port: port, token: testToken, name: "busy")
      let idle = try await TestWorker.connect(port: port, token: testToken, name: "idle")
      let executor = try await Executor.connect(address: address, token: testToken)
      // The first task goes to one of them; the other stays idle.
      let slow = executor.submit(.shell("sleep", ["500"]))
      try await eventually("the task runs") { try await scheduler.load().running == 1 }
      let load = try await scheduler.load()
      #expect(load.idleWorkers == 1)
      let idleName = try #require(load.workers.first { $0.running == 0 }?.name)
      #expect(await scheduler.workersToClose(1) == [idleName])
      #expect(await scheduler.workersToClose(2).count == 2)
      _ = try await slow.result
      await executor.close()
      await busy.kill()
      await idle.kill()
    }
  }

  @Test func answersStatusToAControlPeer() async throws {
    try await withScheduler { _, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w", slots: 3)
      let control = try await ControlClient.connect(address: address, token: testToken)
      let status = try await control.status()
      #expect(status.totalSlots == 3)
      #expect(status.workers.map(\.name) == ["w"])
      await #expect(throws: ShoalError.self) {
        try await control.send("scale", arguments: ["n": "2"])
      }
      await control.close()
      await worker.kill()
    }
  }

  @Test func requeuesTheTasksOfASilentWorker() async throws {
    let configuration = SchedulerConfiguration(
      token: testToken, heartbeatInterval: .milliseconds(100), heartbeatTimeout: .milliseconds(800))
    try await withScheduler(configuration) { scheduler, address, port in
      // Connected, but frozen: no heartbeats, no results.
      let frozen = try await TestWorker.connect(
        port: port, token: testToken, name: "frozen", hang: true, heartbeats: false)
      let executor = try await Executor.connect(address: address, token: testToken)
      let handle = executor.submit(echo("moved"))
      try await eventually("the task is assigned") { try await scheduler.load().running == 1 }
      try await eventually("the frozen worker is dropped") {
        try await scheduler.load().workers.isEmpty
      }
      let healthy = try await TestWorker.connect(port: port, token: testToken, name: "healthy")
      #expect(try await handle.result.worker == "healthy")
      try await eventually("the frozen worker's connection is closed") { !frozen.channel.isActive }
      await executor.close()
      await healthy.kill()
    }
  }

  @Test func passesOtherControlCommandsToTheHandler() async throws {
    struct Scale: ControlHandler {
      func handle(command: String, arguments: [String: String]) async throws -> [String: String] {
        guard command == "scale" else {
          throw ShoalError(.invalidValue, "unknown command \(command)")
        }
        return ["scaled to": arguments["n"] ?? "?"]
      }
    }
    try await withScheduler { scheduler, address, _ in
      await scheduler.setControlHandler(Scale())
      let control = try await ControlClient.connect(address: address, token: testToken)
      #expect(try await control.send("scale", arguments: ["n": "4"]) == ["scaled to": "4"])
      let error = await #expect(throws: ShoalError.self) { try await control.send("explode") }
      #expect(error?.message.contains("unknown command explode") == true)
      #expect(try await control.status().workers.isEmpty)
      await control.close()
    }
  }
}
