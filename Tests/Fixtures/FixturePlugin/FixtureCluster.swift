import ShoalCore
import Synchronization

/// A backend that keeps its workers in memory and launches nothing: the loader tests
/// use it to check that a plugin's class casts to the host's `ClusterBackend`.
public final class FixtureCluster: ClusterBackend {
  struct Options: Decodable {
    var n_workers: Int?
    var label: String?
  }

  private let names = Mutex<[String]>([])
  public let initialWorkers: Int
  /// The label from the kwargs, to check that they reached the plugin.
  public let label: String

  public init(kwargs: Kwargs) throws {
    let options = try kwargs.decode(Options.self)
    let count = options.n_workers ?? 1
    guard count >= 0 else {
      throw kwargs["n_workers"]!.error("n_workers must be 0 or more, found \(count)")
    }
    initialWorkers = count
    label = options.label ?? "fixture"
  }

  public func run(context: ClusterContext) async throws {
    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
    names.withLock { $0.removeAll() }
  }

  public func scale(to count: Int) async throws {
    names.withLock { names in
      while names.count < count { names.append("fixture-\(names.count)") }
      while names.count > count { names.removeLast() }
    }
  }

  public func stop(workers: [String]) async throws {
    names.withLock { $0.removeAll(where: workers.contains) }
  }

  public func workers() async -> [WorkerStatus] {
    names.withLock { $0.map { WorkerStatus(name: $0, state: .running, location: "memory") } }
  }
}

/// A task that returns its input.
public struct Echo: TaskFunction {
  public init() {}
  public func run(_ input: String) async throws -> String { input }
}

@_cdecl("shoal_plugin_table")
public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
  PluginABI.table(host) { plugin in
    plugin.export(FixtureCluster.self)
    plugin.export(factory: "make_fixture") { try FixtureCluster(kwargs: $0) }
    plugin.export(task: Echo.self)
  }
}
