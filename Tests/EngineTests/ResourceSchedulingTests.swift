import Shoal
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Testing

/// Assignment with resources, against a real scheduler and wire-level test workers.
@Suite(.serialized) struct ResourceSchedulingTests {
  func needing(_ resources: String, _ spec: TaskSpec) throws -> TaskSpec {
    var spec = spec
    spec.resources = try ResourceSet(parsing: resources)
    return spec
  }

  @Test func aTaskThatNeedsAResourceRunsOnlyWhereItIs() async throws {
    try await withScheduler { scheduler, address, port in
      let plain = try await TestWorker.connect(
        port: port, token: testToken, name: "plain", slots: 4)
      let special = try await TestWorker.connect(
        port: port, token: testToken, name: "special", slots: 4,
        resources: try ResourceSet(parsing: "special=4"))
      let executor = try await Executor.connect(address: address, token: testToken)
      let specs =
        try (0..<40).map { try needing("special=1", echo("s\($0)")) }
        + (0..<40).map { echo("p\($0)") }
      let results = try await executor.map(specs)
      #expect(results.allSatisfy { $0.status == .succeeded })
      #expect(results.prefix(40).allSatisfy { $0.worker == "special" })
      #expect(results.map(text) == (0..<40).map { "s\($0)\n" } + (0..<40).map { "p\($0)\n" })
      let load = await scheduler.load()
      #expect(load.completed == 80 && load.queued == 0)
      #expect(load.workers.first { $0.name == "special" }?.resources == "cpu=4,special=4")
      #expect(load.workers.first { $0.name == "plain" }?.resources == "cpu=4")
      await executor.close()
      await plain.kill()
      await special.kill()
    }
  }

  @Test func resourcesAreHeldWhileTheTaskRuns() async throws {
    try await withScheduler { scheduler, address, port in
      // Two slots but one `special`: the two tasks that need it run one after the other.
      let worker = try await TestWorker.connect(
        port: port, token: testToken, name: "w", slots: 2,
        resources: try ResourceSet(parsing: "special=1"))
      let executor = try await Executor.connect(address: address, token: testToken)
      let first = executor.submit(try needing("special=1", .shell("sleep", ["400"])))
      let second = executor.submit(try needing("special=1", .shell("sleep", ["400"])))
      try await eventually("one runs, one waits") {
        let load = await scheduler.load()
        return load.running == 1 && load.queued == 1
      }
      let demand = await scheduler.load().resourceDemand
      #expect(
        demand == [ResourceDemand(resources: try ResourceSet(parsing: "special=1"), queued: 1)])
      // A plain task takes the free slot meanwhile.
      let plain = try await executor.submit(echo("plain")).result
      #expect(plain.status == .succeeded)
      #expect(await scheduler.load().queued == 1)
      #expect(try await first.result.status == .succeeded)
      #expect(try await second.result.status == .succeeded)
      await executor.close()
      await worker.kill()
    }
  }

  @Test func aRequestNoGroupCanMeetFailsAtOnceWithTheReason() async throws {
    try await withScheduler { scheduler, address, port in
      await scheduler.setWorkerShapes([
        "local": try ResourceSet(parsing: "cpu=1"),
        "burst": try ResourceSet(parsing: "cpu=1,special=1"),
      ])
      let executor = try await Executor.connect(address: address, token: testToken)
      let result = try await executor.submit(try needing("gpu=1", echo("never"))).result
      #expect(result.status == .rejected)
      let message = try #require(result.message)
      #expect(message.contains("gpu=1"))
      #expect(message.contains("burst {cpu=1,special=1}") && message.contains("local {cpu=1}"))
      #expect(message.contains("`gpu`"))
      // A request a group can meet waits for its worker, and runs when it comes.
      let waiting = executor.submit(try needing("special=1", echo("later")))
      try await eventually("queued") { await scheduler.load().queued == 1 }
      let worker = try await TestWorker.connect(
        port: port, token: testToken, name: "burst-0",
        resources: try ResourceSet(parsing: "special=1"))
      #expect(try await waiting.result.worker == "burst-0")
      await executor.close()
      await worker.kill()
    }
  }

  @Test func aRequestThatFitsNoWorkerNowDoesNotHoldUpOthers() async throws {
    try await withScheduler { scheduler, address, port in
      let worker = try await TestWorker.connect(
        port: port, token: testToken, name: "w", slots: 2,
        resources: try ResourceSet(parsing: "special=2"))
      let executor = try await Executor.connect(address: address, token: testToken)
      // Queued first, for a resource no worker has yet (no shapes: it waits).
      let gpu = executor.submit(try needing("gpu=1", echo("gpu")))
      let specials = executor.submit(try (0..<20).map { try needing("special=1", echo("s\($0)")) })
      let results = try await executor.gather(specials)
      #expect(results.allSatisfy { $0.status == .succeeded && $0.worker == "w" })
      let load = await scheduler.load()
      #expect(load.queued == 1)
      #expect(
        load.resourceDemand == [
          ResourceDemand(resources: try ResourceSet(parsing: "gpu=1"), queued: 1)
        ])
      #expect(!gpu.isFinished)
      executor.cancel(gpu)
      #expect(try await gpu.result.status == .cancelled)
      try await eventually("the demand is gone") { await scheduler.load().resourceDemand == nil }
      await executor.close()
      await worker.kill()
    }
  }

  @Test func aResourceTaskOfALostWorkerIsRequeuedAndRunsOnce() async throws {
    try await withScheduler { scheduler, address, port in
      let doomed = try await TestWorker.connect(
        port: port, token: testToken, name: "doomed", hang: true,
        resources: try ResourceSet(parsing: "special=1"))
      let executor = try await Executor.connect(address: address, token: testToken)
      let handle = executor.submit(try needing("special=1", echo("survives")))
      try await eventually("assigned") { await scheduler.load().running == 1 }
      await doomed.kill()
      try await eventually("queued again") { await scheduler.load().queued == 1 }
      let healthy = try await TestWorker.connect(
        port: port, token: testToken, name: "healthy",
        resources: try ResourceSet(parsing: "special=2"))
      let result = try await handle.result
      #expect(result.worker == "healthy" && text(result) == "survives\n")
      #expect(await scheduler.load().completed == 1)
      await executor.close()
      await healthy.kill()
    }
  }
}
