import ServiceLifecycle

/// A `ClusterRuntime` as a `Service`: a graceful shutdown (SIGTERM, Ctrl-C in a
/// `ServiceGroup`) closes the cluster properly (retire, stop); cancellation stops
/// its workers at once.
public struct ClusterService: Service {
  /// The cluster.
  public let runtime: ClusterRuntime

  /// A service running `runtime`.
  public init(runtime: ClusterRuntime) { self.runtime = runtime }

  /// Runs the cluster until it is closed.
  public func run() async throws {
    let runtime = self.runtime
    try await withGracefulShutdownHandler {
      try await runtime.run()
    } onGracefulShutdown: {
      runtime.close()
    }
  }
}
