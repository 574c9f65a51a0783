import ShoalCore

/// Bounded calls into plugins: a backend that hangs is reported, not waited on forever.
enum Deadline {
  /// Runs `operation`, throwing `ShoalError(.timeout)` naming `what` when it takes
  /// longer than `limit`. The operation is then cancelled and abandoned: a plugin that
  /// ignores cancellation (a lost callback, a blocking call) cannot hold the core,
  /// which a task group would do, since it waits for all its children.
  static func run<T: Sendable>(
    _ limit: Duration, _ what: String, hint: String? = nil,
    _ operation: @escaping @Sendable () async throws -> T
  ) async throws -> T {
    let outcome = Readiness<T>()
    // Unstructured on purpose (see above); both tasks end or are cancelled below.
    let work = Task {
      do {
        outcome.resolve(.success(try await operation()))
      } catch {
        outcome.resolve(.failure(error))
      }
    }
    let timer = Task {
      try await Task.sleep(for: limit)
      outcome.resolve(
        .failure(
          ShoalError(.timeout, "\(what) did not finish within \(limit.seconds) s", hint: hint)))
    }
    defer {
      work.cancel()
      timer.cancel()
    }
    return try await withTaskCancellationHandler {
      try await outcome.value
    } onCancel: {
      outcome.resolve(.failure(CancellationError()))
    }
  }
}
