import Foundation

extension DetachedCluster {
  /// The status of every temporary cluster that runs now (`shoal run`/`map` without a
  /// cluster that is up), each marked `temporary` with the command that owns it. One
  /// that does not answer within `timeout` is `unresponsive`.
  public static func temporaryStatuses(
    stateFolder: StateFolder, timeout: Duration = .seconds(5)
  ) async -> [ClusterStatus] {
    var statuses: [ClusterStatus] = []
    for record in stateFolder.temporaryRecords() {
      let cluster = DetachedCluster(record: record, stateFolder: stateFolder)
      var status: ClusterStatus
      do {
        guard let answered = try await cluster.send("cluster", timeout: timeout) else { continue }
        status = answered
      } catch {
        status = ClusterStatus(
          name: record.name, state: "unresponsive", record: record, note: "\(error)")
      }
      status.temporary = true
      status.command = status.command ?? record.command
      status.dashboard = status.dashboard ?? record.dashboard
      statuses.append(status)
    }
    return statuses
  }
}
