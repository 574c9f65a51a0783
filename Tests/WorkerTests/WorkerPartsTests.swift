import ShoalWire
import Synchronization
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

  @Test func aResultWithMoreOnTheirWayWaitsForThemAndALoneOneDoesNot() async throws {
    let result = TaskResult(status: .succeeded)
    func run(moreComing: Bool) async throws -> (frames: [Message], sleeps: [Duration]) {
      let outbox = Outbox()
      let sleeps = Mutex<[Duration]>([])
      outbox.send(.results([ResultEnvelope(id: 1, result: result)]), moreComing: moreComing)
      var frames: [Message] = []
      // The "sleep" is when the next result comes; the first write ends the test.
      try await outbox.drain(
        sleep: { duration in
          sleeps.withLock { $0.append(duration) }
          outbox.send(.results([ResultEnvelope(id: 2, result: result)]))
        },
        {
          frames += $0
          outbox.close()
        })
      return (frames, sleeps.withLock { $0 })
    }
    let held = try await run(moreComing: true)
    #expect(
      held.frames == [
        .results([ResultEnvelope(id: 1, result: result), ResultEnvelope(id: 2, result: result)])
      ])
    #expect(held.sleeps.count == 1)
    #expect(held.sleeps.allSatisfy { $0 > .zero && $0 <= Outbox.hold }, "\(held.sleeps)")
    let lone = try await run(moreComing: false)
    #expect(lone.frames == [.results([ResultEnvelope(id: 1, result: result)])])
    #expect(lone.sleeps.isEmpty)
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
    final class Flag: Sendable { let value = Mutex<Bool?>(nil) }
    /// A task that sleeps for a minute, started and running; its flag says whether it
    /// saw a cancellation when it woke.
    func sleeper() async -> (TaskCancellation, Flag) {
      let cancellation = TaskCancellation()
      let started = OneShot()
      let seen = Flag()
      cancellation.start {
        started.fire()
        try? await Task.sleep(for: .seconds(60))
        seen.value.withLock { $0 = Task.isCancelled }
      }
      await started.wait()
      return (cancellation, seen)
    }
    let (running, seen) = await sleeper()
    running.cancel()
    await running.finish(cancelling: false)
    #expect(seen.value.withLock { $0 } == true)

    let early = TaskCancellation()
    early.cancel()
    let earlySeen = Flag()
    early.start { earlySeen.value.withLock { $0 = Task.isCancelled } }
    await early.finish(cancelling: false)
    #expect(earlySeen.value.withLock { $0 } == true)

    let late = TaskCancellation()
    let lateSeen = Flag()
    late.start { lateSeen.value.withLock { $0 = Task.isCancelled } }
    await late.finish(cancelling: false)
    late.cancel()  // after the end: nothing to cancel
    #expect(lateSeen.value.withLock { $0 } == false)

    // The session's end: `finish()` cancels what still runs and waits for it.
    let (leftover, leftoverSeen) = await sleeper()
    await leftover.finish()
    #expect(leftoverSeen.value.withLock { $0 } == true)
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
