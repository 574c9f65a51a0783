import NIOCore
import Shoal
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Testing

/// Short tasks are prefetched ahead of a worker's slots, and topped up in refills of at
/// least half the prefetch: one frame of many tasks instead of one frame per result.
@Suite(.serialized) struct PrefetchRefillTests {
  @Test func aWorkerIsToppedUpInHalvesNotOneTaskPerResult() async throws {
    // Prefetch 8 per slot; results of 1 ms keep the prefetch at its most (50 ms window).
    let configuration = SchedulerConfiguration(token: testToken, prefetchPerSlot: 8)
    try await withScheduler(configuration) { scheduler, address, port in
      let client = try await Executor.connect(address: address, token: testToken)
      let handles = client.submit((0..<200).map { echo("\($0)") })
      try await eventually("the tasks are queued") { try await scheduler.load().queued == 200 }
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w", hang: true)
      func assigns() -> [[UInt64]] {
        worker.received.compactMap { message -> [UInt64]? in
          guard case .assign(let tasks) = message else { return nil }
          return tasks.map(\.id)
        }
      }
      func assigned() -> [UInt64] { assigns().flatMap { $0 } }
      func answer(_ id: UInt64) async throws {
        let result = TaskResult(status: .succeeded, duration: 0.001)
        try await worker.channel.writeAndFlush(
          Message.results([ResultEnvelope(id: id, result: result)]))
      }
      // No duration is known yet: one task for the slot. Its 1 ms result turns the
      // prefetch on: the slot's next task and 8 ahead.
      try await eventually("the first task is assigned") { assigned().count == 1 }
      try await answer(assigned()[0])
      try await eventually("the worker is filled") { assigned().count == 10 }
      // Answering 3 of the 9 it holds leaves it more than half of 8 ahead: nothing comes.
      for index in 1...3 { try await answer(assigned()[index]) }
      try await eventually("the third answer is counted") {
        try await scheduler.load().running == 6
      }
      #expect(assigned().count == 10, "topped up before half was used: \(assigns())")
      // The fourth leaves it at half (1 + 8/2): one frame fills it back to 9.
      try await answer(assigned()[4])
      try await eventually("the worker is topped up") { assigned().count == 14 }
      #expect(assigns().last?.count == 4, "\(assigns().map(\.count))")
      // To the end (answers may arrive faster than the scheduler reads them, so a refill
      // can be bigger): every task answered once, no refill smaller than 4 but the last.
      var answered = 5
      while answered < 200 {
        try await eventually("task \(answered + 1) is assigned") { assigned().count > answered }
        try await answer(assigned()[answered])
        answered += 1
      }
      for handle in handles { #expect(try await handle.result.status == .succeeded) }
      let sizes = assigns().map(\.count)
      #expect(sizes.prefix(2) == [1, 9], "\(sizes)")
      #expect(sizes.dropFirst(2).dropLast().allSatisfy { $0 >= 4 }, "\(sizes)")
      #expect(sizes.count <= 50, "about one frame per result: \(sizes.count) frames")
      await client.close()
      await worker.kill()
    }
  }
}
