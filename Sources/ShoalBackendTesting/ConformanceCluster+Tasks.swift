import ShoalWire

extension ConformanceCluster {
  /// A task submitted to the cluster whose result is awaited later.
  struct PendingTask: Sendable {
    let wait: @Sendable () async throws -> TaskResult
    /// Waits for the task's result.
    func result() async throws -> TaskResult { try await wait() }
  }

  /// Submits `spec` through a client connected to the cluster's scheduler.
  func startTask(_ spec: TaskSpec) async throws -> PendingTask {
    // Replaced by the Executor client once it lands.
    throw failure("no client available to submit tasks yet")
  }

  /// Submits `spec` and waits for its result.
  func runTask(_ spec: TaskSpec) async throws -> TaskResult {
    try await startTask(spec).result()
  }
}
