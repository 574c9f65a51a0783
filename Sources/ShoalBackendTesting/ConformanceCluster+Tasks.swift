import Shoal
import ShoalWire

extension ConformanceCluster {
  /// A task submitted to the cluster whose result is awaited later.
  struct PendingTask: Sendable {
    let executor: Executor
    let handle: TaskHandle
    let timeout: Duration
    let failure: @Sendable (String) -> ConformanceFailure

    /// Waits (at most the kit's timeout) for the task's result, then disconnects.
    func result() async throws -> TaskResult {
      let outcome: Result<TaskResult, any Error>
      do {
        outcome = .success(try await handle.result(timeout: timeout))
      } catch {
        outcome = .failure(error)
      }
      await executor.close()
      do {
        return try outcome.get()
      } catch {
        throw failure("a task submitted to the cluster has no result: \(error)")
      }
    }
  }

  /// Submits `spec` through a client connected to the cluster's scheduler.
  func startTask(_ spec: TaskSpec) async throws -> PendingTask {
    let executor: Executor
    do {
      executor = try await Executor.connect(
        address: context.schedulerAddress, token: context.token, name: "conformance")
    } catch {
      throw failure("cannot connect a client to the scheduler: \(error)")
    }
    return PendingTask(
      executor: executor, handle: executor.submit(spec), timeout: timeout,
      failure: { [self] in self.failure($0) })
  }

  /// Submits `spec` and waits for its result.
  func runTask(_ spec: TaskSpec) async throws -> TaskResult {
    try await startTask(spec).result()
  }
}
