import ShoalCore

/// Bounded calls into plugins: a backend that hangs is reported, not waited on forever.
enum Deadline {
  /// Runs `operation`, throwing `ShoalError(.timeout)` naming `what` when it takes
  /// longer than `limit` (the operation is cancelled).
  static func run<T: Sendable>(
    _ limit: Duration, _ what: String, hint: String? = nil,
    _ operation: @escaping @Sendable () async throws -> T
  ) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask { try await operation() }
      group.addTask {
        try await Task.sleep(for: limit)
        return nil
      }
      defer { group.cancelAll() }
      while let next = try await group.next() {
        if let value = next { return value }
        throw ShoalError(
          .timeout, "\(what) did not finish within \(limit.seconds) s", hint: hint)
      }
      throw CancellationError()
    }
  }
}
