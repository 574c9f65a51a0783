import Logging
import Shoal

/// The dashboard of a cluster process: what `shoal up`, `run` and `map` hand to
/// `ClusterOptions.dashboard`.
public struct ClusterDashboardServer: ClusterDashboard {
  let logger: Logger

  /// A dashboard server that logs with `logger`.
  public init(logger: Logger) { self.logger = logger }

  public func run(
    cluster: ClusterRuntime, setting: DashboardSetting,
    listening: @escaping @Sendable (Result<String, any Error>) -> Void
  ) async throws {
    try await DashboardServer(source: ClusterSource(cluster: cluster), logger: logger)
      .run(setting: setting, listening: listening)
  }
}
