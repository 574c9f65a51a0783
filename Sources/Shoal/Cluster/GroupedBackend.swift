import ShoalCore
import ShoalWire

/// The backends of a cluster's worker groups behind one `ClusterBackend`, so that the
/// cluster runtime (readiness, `shoal ps`, closing) treats them as one: `run` runs
/// every group's backend, each with its own context (cluster name `NAME-GROUP`, which
/// names its workers, containers and jobs apart; the group's resources, which every
/// worker launch passes as `--resources`); `workers()` lists them all; `stop` goes to
/// the backend that owns each worker; `scale(to:)` fills groups in priority order.
/// The group controller drives each member's backend directly.
public final class GroupedBackend: ClusterBackend, Sendable {
  /// One group: its declaration, its backend and the adapt settings it accepted.
  public struct Member: Sendable {
    /// The group's declaration.
    public let group: WorkerGroupSpec
    /// Its backend.
    public let backend: any ClusterBackend
    /// Its bounds after the backend clamped them.
    public let settings: AdaptSettings

    /// A member.
    public init(group: WorkerGroupSpec, backend: any ClusterBackend, settings: AdaptSettings) {
      self.group = group
      self.backend = backend
      self.settings = settings
    }
  }

  /// The groups, in fill order.
  public let members: [Member]

  /// Not made from kwargs: a grouped cluster is made from its groups.
  public init(kwargs: Kwargs) throws {
    throw ShoalError(.invalidState, "a grouped cluster is made from its groups, not kwargs")
  }

  /// The groups' backends.
  public init(members: [Member]) { self.members = members }

  /// The sum of the groups' minimums.
  public var initialWorkers: Int { members.reduce(0) { $0 + $1.settings.minimum } }

  /// The context one group's backend gets.
  public static func context(_ context: ClusterContext, for group: WorkerGroupSpec)
    -> ClusterContext
  {
    var context = context
    context.clusterName = "\(context.clusterName)-\(group.name)"
    context.workerResources = group.resources.isEmpty ? nil : group.resources.description
    return context
  }

  /// Runs every group's backend until cancelled; one failing ends them all.
  public func run(context: ClusterContext) async throws {
    try await withThrowingTaskGroup(of: Void.self) { tasks in
      for member in members {
        let own = Self.context(context, for: member.group)
        tasks.addTask { try await member.backend.run(context: own) }
      }
      try await tasks.waitForAll()
    }
  }

  /// `count` workers in all, groups filled in priority order up to their maximum
  /// (the last group takes what is left).
  public func scale(to count: Int) async throws {
    var left = max(0, count)
    for (index, member) in members.enumerated() {
      let last = index == members.count - 1
      let share = last ? left : min(left, member.settings.maximum ?? left)
      try await member.backend.scale(to: share)
      left -= share
    }
  }

  /// Stops each named worker through the backend that owns it.
  public func stop(workers names: [String]) async throws {
    for member in members {
      let own = Set(await member.backend.workers().map(\.name))
      let mine = names.filter { own.contains($0) }
      if !mine.isEmpty { try await member.backend.stop(workers: mine) }
    }
  }

  /// Every group's workers.
  public func workers() async -> [WorkerStatus] {
    var all: [WorkerStatus] = []
    for member in members { all += await member.backend.workers() }
    return all
  }

  /// The member of group `name`.
  public func member(_ name: String) -> Member? { members.first { $0.group.name == name } }
}
