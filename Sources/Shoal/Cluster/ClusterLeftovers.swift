import Foundation
import ShoalCore

/// What a killed cluster process left behind (containers, ...), found and removed
/// through its backend when the backend adopts `LeftoverCleaning`.
public enum ClusterLeftovers {
  /// Makes the backend of `record`'s cluster from its configuration file and asks it
  /// to remove what dead runs of the cluster left; returns what was removed (empty
  /// for backends that leave nothing, or when the configuration is gone).
  public static func remove(
    record: ClusterRecord, environment: [String: String] = ProcessInfo.processInfo.environment,
    log: EventLog = EventLog { _, _ in }
  ) async throws -> [String] {
    guard let file = record.configFile, FileManager.default.fileExists(atPath: file) else {
      return []
    }
    let config = try ShoalConfig.load(file: file, environment: environment)
    let spec = try config.cluster(named: record.name)
    guard let clusterClass = spec.clusterClass else { return [] }
    let backend = try config.loader(commandLinePluginPath: []).backend(clusterClass)
      .make(spec.clusterKwargs)
    guard let cleaner = backend as? any LeftoverCleaning else { return [] }
    return try await cleaner.removeLeftovers(clusterName: record.name, log: log)
  }
}
