import ShoalCore

/// Declares options but never decodes them: the core's kwargs audit must reject any
/// key the user gives it.
public final class IgnoringCluster: ClusterBackend {
  struct Options: Decodable {
    var n_workers: Int?
  }
  public let initialWorkers = 0
  public init(kwargs: Kwargs) throws {}
  public func run(context: ClusterContext) async throws {
    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
  }
  public func scale(to count: Int) async throws {}
  public func stop(workers: [String]) async throws {}
  public func workers() async -> [WorkerStatus] { [] }
}

/// Reads one of its keys by hand and forgets the other: still an ignored key.
public final class HalfReadingCluster: ClusterBackend {
  public let initialWorkers: Int
  public init(kwargs: Kwargs) throws {
    initialWorkers = try kwargs["n_workers"]?.decode(Int.self) ?? 0
  }
  public func run(context: ClusterContext) async throws {
    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
  }
  public func scale(to count: Int) async throws {}
  public func stop(workers: [String]) async throws {}
  public func workers() async -> [WorkerStatus] { [] }
}

/// A class that conforms to `ClusterBackend` but that the entry point forgets to export.
public final class UnexportedCluster: ClusterBackend {
  public let initialWorkers = 0
  public init(kwargs: Kwargs) throws { _ = try kwargs.decode([String: Int].self) }
  public func run(context: ClusterContext) async throws {}
  public func scale(to count: Int) async throws {}
  public func stop(workers: [String]) async throws {}
  public func workers() async -> [WorkerStatus] { [] }
}

/// A class in the plugin that is no backend at all (a user might name it in YAML).
public final class ClusterOptions {
  public init() {}
}

/// A struct that is no backend either.
public struct WorkerTemplate {
  public init() {}
}
