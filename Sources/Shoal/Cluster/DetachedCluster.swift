import Foundation
import ShoalCore
import ShoalTLS

/// A cluster recorded in the state folder by `shoal up`, reached as a `control`
/// peer of its scheduler: what `shoal ps`, `scale`, `adapt` and `down` talk to.
public struct DetachedCluster: Sendable {
  /// Its record.
  public var record: ClusterRecord
  /// The state folder it is recorded in.
  public var stateFolder: StateFolder

  /// The cluster `name` if it is up; throws `.invalidState` naming what to do when it
  /// is not (never recorded, or its process is gone: the stale record is removed).
  public static func find(_ name: String, stateFolder: StateFolder) throws -> DetachedCluster {
    guard let record = stateFolder.record(name) else {
      let up = stateFolder.recordedNames()
      throw ShoalError(
        .invalidState,
        "cluster `\(name)` is not up (nothing recorded in \(stateFolder.cluster(name)))"
          + (up.isEmpty ? "" : "; up: \(up.joined(separator: ", "))"),
        hint: "start it with `shoal up \(name) --detach`")
    }
    guard ClusterLock.isHeld(stateFolder.lockFile(name)) else {
      stateFolder.removeRecord(name)
      throw ShoalError(
        .invalidState,
        "cluster `\(name)` is not up: its process (pid \(record.pid)) is gone; removed its stale record",
        hint: "start it again with `shoal up \(name) --detach`")
    }
    return DetachedCluster(record: record, stateFolder: stateFolder)
  }

  /// Sends `command` and decodes the cluster's status from the answer.
  public func send(
    _ command: String, arguments: [String: String] = [:], timeout: Duration = .seconds(10)
  ) async throws -> ClusterStatus? {
    let token = try String(contentsOfFile: record.tokenFile, encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let address = record.address
    let tls = try record.tls.map { try TLSSettings.files($0) } ?? .off
    let fields = try await Deadline.run(
      timeout, "`\(command)` on cluster `\(record.name)` at \(address)"
    ) {
      let client = try await ControlClient.connect(
        address: address, token: token, tls: tls, timeout: .seconds(5))
      do {
        let fields = try await client.send(command, arguments: arguments)
        await client.close()
        return fields
      } catch {
        await client.close()
        throw error
      }
    }
    guard let json = fields["cluster"] else { return nil }
    return try JSONDecoder().decode(ClusterStatus.self, from: Data(json.utf8))
  }

  /// The status of every recorded cluster (or of `names`): live ones as they answer,
  /// a cluster whose process is gone as `dead`, one that does not answer within
  /// `timeout` as `unresponsive`. Never waits longer than `timeout` per cluster.
  public static func statuses(
    names: [String]? = nil, stateFolder: StateFolder, timeout: Duration = .seconds(5)
  ) async -> [ClusterStatus] {
    var statuses: [ClusterStatus] = []
    for name in names ?? stateFolder.recordedNames() {
      guard let record = stateFolder.record(name) else {
        statuses.append(
          ClusterStatus(name: name, state: "down", record: nil, note: "not up"))
        continue
      }
      guard ClusterLock.isHeld(stateFolder.lockFile(name)) else {
        statuses.append(
          ClusterStatus(
            name: name, state: "dead", record: record,
            note: "its process (pid \(record.pid)) is gone; `shoal down \(name)` clears it"))
        continue
      }
      let cluster = DetachedCluster(record: record, stateFolder: stateFolder)
      do {
        if let status = try await cluster.send("cluster", timeout: timeout) {
          statuses.append(status)
        }
      } catch {
        statuses.append(
          ClusterStatus(
            name: name, state: "unresponsive", record: record, note: "\(error)"))
      }
    }
    return statuses
  }
}
