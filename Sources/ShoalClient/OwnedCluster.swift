/// A cluster an executor started and closes with itself (`Executor.connect(cluster:)`
/// in the `Shoal` module; the light client never starts one).
package struct OwnedCluster: Sendable {
  /// Asks it to close (retire and stop its workers); returns at once.
  package var close: @Sendable () -> Void
  /// Waits until it has closed.
  package var wait: @Sendable () async -> Void

  /// A cluster closed by `close` and waited for by `wait`.
  package init(close: @escaping @Sendable () -> Void, wait: @escaping @Sendable () async -> Void) {
    self.close = close
    self.wait = wait
  }
}
