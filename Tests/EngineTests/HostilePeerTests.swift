import Foundation
import NIOCore
import NIOPosix
import Shoal
import ShoalCore
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Testing

/// A worker holding the token that forges numbers: the scheduler refuses what is out
/// of range and never traps on what is in range.
@Suite(.serialized) struct ForgedNumberTests {
  /// The scheduler ids of the tasks `worker` was assigned so far.
  func assigned(_ worker: TestWorker) -> [UInt64] {
    worker.received.flatMap { message -> [UInt64] in
      guard case .assign(let tasks) = message else { return [] }
      return tasks.map(\.id)
    }
  }

  func answer(_ worker: TestWorker, _ id: UInt64, duration: Double) async throws {
    let result = TaskResult(status: .succeeded, output: Array("forged\n".utf8), duration: duration)
    try await worker.channel.writeAndFlush(
      Message.results([ResultEnvelope(id: id, result: result)]))
  }

  @Test func aTinyDurationDoesNotCrashTheScheduler() async throws {
    try await withScheduler { scheduler, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w", hang: true)
      let executor = try await Executor.connect(address: address, token: testToken)
      let handles = executor.submit([echo("a"), echo("b")])
      try await eventually("the first task is assigned") { assigned(worker).count == 1 }
      // 1e-300 s is a valid duration; the mean of recent tasks then makes the prefetch
      // ratio infinite, which trapped when converted to Int.
      try await answer(worker, assigned(worker)[0], duration: 1e-300)
      try await eventually("the second task is assigned") { assigned(worker).count == 2 }
      try await answer(worker, assigned(worker)[1], duration: 1e-300)
      for handle in handles { #expect(try await handle.result.status == .succeeded) }
      #expect(try await scheduler.load().recentTaskDuration.map(\.isFinite) == true)
      await executor.close()
      await worker.kill()
    }
  }

  @Test(arguments: [Double.nan, .infinity, -1, 1e300])
  func aBadDurationRefusesTheWorkerAndTheTaskRunsElsewhere(_ duration: Double) async throws {
    try await withScheduler { scheduler, address, port in
      let forger = try await TestWorker.connect(
        port: port, token: testToken, name: "forger", hang: true)
      let executor = try await Executor.connect(address: address, token: testToken)
      let handle = executor.submit(echo("real"))
      try await eventually("the task is assigned") { assigned(forger).count == 1 }
      try await answer(forger, assigned(forger)[0], duration: duration)
      try await eventually("the forger is closed") { !forger.channel.isActive }
      let refusal = forger.received.compactMap { message -> Refusal? in
        if case .refused(let refusal) = message { return refusal }
        return nil
      }.first
      #expect(refusal?.reason == "protocol")
      #expect(refusal?.message.contains("duration") == true, "\(String(describing: refusal))")
      // The task was requeued; an honest worker runs it.
      let honest = try await TestWorker.connect(port: port, token: testToken, name: "honest")
      let result = try await handle.result
      #expect(result.status == .succeeded)
      #expect(text(result) == "real\n")
      #expect(try await scheduler.load().recentTaskDuration.map(\.isFinite) ?? true)
      await executor.close()
      await honest.kill()
    }
  }
}

/// Clients share the workers: round-robin over the clients' queues, each client's own
/// tasks in order.
@Suite(.serialized) struct FairSchedulingTests {
  @Test func aOneTaskClientIsNotQueuedBehindABigMap() async throws {
    // No prefetch, one slot, a worker answered by hand: the order is exact.
    try await withScheduler(SchedulerConfiguration(token: testToken, prefetchPerSlot: 0)) {
      scheduler, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w", hang: true)
      let big = try await Executor.connect(address: address, token: testToken)
      let bigHandles = big.submit((0..<20_000).map { echo("\($0)") })
      try await eventually("the big map is queued") { try await scheduler.load().queued == 19_999 }
      let small = try await Executor.connect(address: address, token: testToken)
      let smallHandle = small.submit(echo("small"))
      try await eventually("the small task is queued") {
        try await scheduler.load().queued == 20_000
      }
      func ids() -> [UInt64] {
        worker.received.flatMap { message -> [UInt64] in
          guard case .assign(let tasks) = message else { return [] }
          return tasks.map(\.id)
        }
      }
      // The worker finishes the big map's first task: the next one is the small client's.
      var answered = 0
      while answered < 4 {
        try await eventually("task \(answered + 1) is assigned") { ids().count > answered }
        let result = TaskResult(status: .succeeded, duration: 0.5)
        try await worker.channel.writeAndFlush(
          Message.results([ResultEnvelope(id: ids()[answered], result: result)]))
        answered += 1
      }
      #expect(try await smallHandle.result(timeout: .seconds(60)).status == .succeeded)
      let owners = ids().map { $0 >> 40 }
      #expect(owners[1] != owners[0], "the small task was not second: \(owners)")
      #expect(owners[2] == owners[0] && owners[3] == owners[0], "\(owners)")
      // The big map's own tasks went out in the order they were submitted.
      let bigOrder = ids().filter { $0 >> 40 == owners[0] }.map { $0 & ((1 << 40) - 1) }
      #expect(bigOrder == Array(1...UInt64(bigOrder.count)), "\(bigOrder)")
      await small.close()
      await big.close()
      _ = bigHandles
      await worker.kill()
    }
  }

  @Test func threeClientsTakeTurns() async throws {
    try await withScheduler(SchedulerConfiguration(token: testToken, prefetchPerSlot: 0)) {
      scheduler, address, port in
      let clients = [
        try await Executor.connect(address: address, token: testToken),
        try await Executor.connect(address: address, token: testToken),
        try await Executor.connect(address: address, token: testToken),
      ]
      var handles: [TaskHandle] = []
      for client in clients { handles += client.submit((0..<3).map { echo("\($0)") }) }
      // Every task queued before a worker can take one: the turns start from all three
      // clients' queues. (With the worker already there, the first client's first task
      // could be assigned before the others had submitted, and where the next turn
      // starts then depended on that timing.)
      try await eventually("all tasks are queued") { try await scheduler.load().queued == 9 }
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w", hang: true)
      var answered = 0
      // The worker has one slot and no prefetch: each answer frees it for the next task.
      while answered < 9 {
        try await eventually("task \(answered + 1) is assigned") {
          worker.received.count { if case .assign = $0 { return true } else { return false } }
            > answered
        }
        let ids = worker.received.flatMap { message -> [UInt64] in
          guard case .assign(let tasks) = message else { return [] }
          return tasks.map(\.id)
        }
        let result = TaskResult(status: .succeeded, duration: 0.5)
        try await worker.channel.writeAndFlush(
          Message.results([ResultEnvelope(id: ids[answered], result: result)]))
        answered += 1
      }
      let ids = worker.received.flatMap { message -> [UInt64] in
        guard case .assign(let tasks) = message else { return [] }
        return tasks.map(\.id)
      }
      // Client by client: the first task of each (in turn), then the second of each, ...
      let owners = ids.map { $0 >> 40 }
      #expect(Set(owners.prefix(3)).count == 3, "\(owners)")
      #expect(Array(owners[3..<6]) == Array(owners.prefix(3)), "\(owners)")
      #expect(Array(owners[6..<9]) == Array(owners.prefix(3)), "\(owners)")
      for handle in handles { #expect(try await handle.result.status == .succeeded) }
      for client in clients { await client.close() }
      await worker.kill()
    }
  }
}
