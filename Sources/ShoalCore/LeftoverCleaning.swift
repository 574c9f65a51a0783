/// A backend that can find and remove what earlier runs of a cluster left behind
/// when their `shoal` process was killed: containers, remote processes, temp files.
///
/// `shoal down NAME` of a cluster whose process is gone makes the backend from the
/// configuration and, when it adopts this protocol, calls `removeLeftovers`. A
/// backend should also do the same cleanup itself at the start of `run(context:)`.
/// Only what belongs to runs whose owning process is gone may be removed: another
/// live `shoal` may run a cluster of the same name.
public protocol LeftoverCleaning: ClusterBackend {
  /// Removes what dead runs of cluster `clusterName` left behind; returns a
  /// description of each thing removed (container names, ...).
  func removeLeftovers(clusterName: String, log: EventLog) async throws -> [String]
}
