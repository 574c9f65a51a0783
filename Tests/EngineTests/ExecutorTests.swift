import Shoal
import ShoalCore
import ShoalScheduler
import ShoalTestSupport
import Synchronization
import Testing

/// A typed task as a task library would export it; `TestWorker` runs it.
struct Twice: TaskFunction {
  init() {}
  func run(_ input: Int) async throws -> Int { input * 2 }
}

@Suite(.serialized) struct ExecutorTests {
  @Test func typedTasksSendTheirTypesAndDecodeTheirOutput() async throws {
    try await withScheduler { _, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w", slots: 2)
      let executor = try await Executor.connect(address: address, token: testToken)
      let handle = try executor.submit(Twice.self, 21)
      #expect(try await handle.value == 42)
      #expect(try await executor.map(Twice.self, Array(0..<50)) == (0..<50).map { $0 * 2 })
      let failing = try executor.submit(Twice.self, -1)
      let error = await #expect(throws: TaskError.self) { try await failing.value }
      #expect(error?.result.status == .failed)
      #expect(error?.description.contains("negative input") == true)
      await executor.close()
      await worker.kill()
    }
  }

  @Test func completionsComeInCompletionOrder() async throws {
    try await withScheduler { _, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w", slots: 3)
      let executor = try await Executor.connect(address: address, token: testToken)
      let handles = executor.submit([
        .shell("sleep", ["600"]), .shell("sleep", ["300"]), .shell("sleep", ["1"]),
      ])
      var order: [Int] = []
      for try await done in executor.completions(of: handles) {
        #expect(done.handle == handles[done.index])
        order.append(done.index)
      }
      #expect(order == [2, 1, 0])
      #expect(try await executor.gather(handles).allSatisfy { $0.status == .succeeded })
      await executor.close()
      await worker.kill()
    }
  }

  @Test func cancelsARunningTaskAndTimesOutAWait() async throws {
    try await withScheduler { scheduler, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w")
      let executor = try await Executor.connect(address: address, token: testToken)
      let long = executor.submit(.shell("sleep", ["60000"]))
      try await eventually("it runs") { try await scheduler.load().running == 1 }
      let error = await #expect(throws: ShoalError.self) {
        try await long.result(timeout: .milliseconds(100))
      }
      #expect(error?.code == .timeout)
      executor.cancel(long)
      #expect(try await long.result.status == .cancelled)
      try await eventually("the slot is free") { try await scheduler.load().running == 0 }
      await executor.close()
      await worker.kill()
    }
  }

  @Test func pendingTasksFailWhenTheSchedulerGoesAway() async throws {
    let executor = try await withSchedulerReturning { address in
      let executor = try await Executor.connect(address: address, token: testToken)
      return (executor, executor.submit(echo("no worker ever")))
    }
    let error = await #expect(throws: ShoalError.self) { try await executor.1.result }
    #expect(error?.code == .connectionFailed)
    // Submitting after the loss fails at once too.
    await #expect(throws: ShoalError.self) { try await executor.0.submit(echo("late")).result }
  }
}

/// Runs a scheduler only while `body` runs, and returns what `body` made.
func withSchedulerReturning<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws
  -> T
{
  let box = Mutex<T?>(nil)
  try await withScheduler { _, address, _ in
    let value = try await body(address)
    box.withLock { $0 = value }
  }
  return box.withLock { $0 }!
}
