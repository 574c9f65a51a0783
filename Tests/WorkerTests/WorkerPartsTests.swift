import ShoalWire
import Testing

@testable import ShoalWorker

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Worker parts")
struct WorkerPartsTests {
  @Test func outboxCoalescesResultsAndHandBacksInOrder() async throws {
    let outbox = Outbox()
    let result = TaskResult(status: .succeeded)
    outbox.send(.results([ResultEnvelope(id: 1, result: result)]))
    outbox.send(.results([ResultEnvelope(id: 2, result: result)]))
    outbox.send(.drain)
    outbox.send(.handBack([3]))
    outbox.send(.handBack([4, 5]))
    outbox.send(.results([ResultEnvelope(id: 6, result: result)]))
    outbox.close()
    outbox.send(.heartbeat)  // after close: dropped
    var written: [Message] = []
    try await outbox.drain { written += $0 }
    #expect(
      written == [
        .results([ResultEnvelope(id: 1, result: result), ResultEnvelope(id: 2, result: result)]),
        .drain, .handBack([3, 4, 5]), .results([ResultEnvelope(id: 6, result: result)]),
      ])
  }

  @Test func outboxSplitsLargeResultBatchesIntoFramesOfAboutOneMebibyte() async throws {
    let outbox = Outbox()
    let big = TaskResult(status: .succeeded, output: [UInt8](repeating: 7, count: 400_000))
    outbox.send(.results((1...5).map { ResultEnvelope(id: $0, result: big) }))
    outbox.close()
    var written: [Message] = []
    try await outbox.drain { written += $0 }
    let sizes = written.map { message -> Int in
      guard case .results(let results) = message else { return -1 }
      return results.count
    }
    #expect(sizes == [2, 2, 1])
  }

  @Test func oneShotWakesWaitersAndCancelledWaiters() async {
    let signal = OneShot()
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await signal.wait() }
      group.addTask { await signal.wait() }
      signal.fire()
      await group.waitForAll()
    }
    #expect(signal.isFired)
    await signal.wait()  // already fired: returns at once

    let never = OneShot()
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await never.wait() }
      group.cancelAll()
      await group.waitForAll()
    }
    #expect(!never.isFired)
  }

  @Test func taskCancellationReachesTheRunningTaskAndIsKeptUntilItStarts() async {
    let running = TaskCancellation()
    let started = OneShot()
    await withTaskGroup(of: Bool.self) { group in
      group.addTask {
        await running.run {
          started.fire()
          try? await Task.sleep(for: .seconds(60))
          return Task.isCancelled
        }
      }
      await started.wait()
      running.cancel()
      #expect(await group.next() == true)
    }
    // Each in a child task, as in the worker (cancelling cancels the calling task).
    let early = TaskCancellation()
    early.cancel()
    let cancelled = await withTaskGroup(of: Bool.self) { group in
      group.addTask { await early.run { Task.isCancelled } }
      return await group.next()!
    }
    #expect(cancelled)
    let late = TaskCancellation()
    let untouched = await withTaskGroup(of: Bool.self) { group in
      group.addTask { await late.run { Task.isCancelled } }
      return await group.next()!
    }
    late.cancel()  // after the end: nothing to cancel
    #expect(!untouched)
  }

  @Test func parentWatch() {
    defer { ParentWatch.disarm() }
    #expect(ParentWatch.arm(environment: [:]) == .notRequested)
    #expect(ParentWatch.arm(environment: ["SHOAL_PARENT_PID": "x"]) == .invalid("x"))
    let parent = getppid()
    #expect(
      ParentWatch.arm(environment: ["SHOAL_PARENT_PID": "\(parent)"]) == .watching(parent: parent))
    #expect(
      ParentWatch.arm(environment: ["SHOAL_PARENT_PID": "\(parent + 100_000)"])
        == .orphaned(expected: parent + 100_000, actual: parent))
  }
}
