import Foundation
import ShoalCore
import ShoalTLS

/// What a running cluster process writes to its state folder, so that later
/// commands (`shoal ps`, `scale`, `adapt`, `down`, `run --cluster`) can find it.
///
///     $XDG_STATE_HOME/shoal/clusters/NAME/cluster.json   this record
///     $XDG_STATE_HOME/shoal/clusters/NAME/token          the token (0600)
///     $XDG_STATE_HOME/shoal/clusters/NAME/tls/           CA and certificates (0600, tls: auto)
///     $XDG_STATE_HOME/shoal/clusters/NAME/lock           held (flock) while it is up
///     $XDG_STATE_HOME/shoal/clusters/NAME/cluster.log    a detached cluster's output
///     $XDG_STATE_HOME/shoal/clusters/NAME/logs/W.log     each worker's output
public struct ClusterRecord: Codable, Sendable, Hashable {
  /// The cluster's name in `clusters.yaml`.
  public var name: String
  /// A unique id for this run of the cluster.
  public var clusterID: String
  /// The scheduler's address.
  public var address: String
  /// The file holding the token.
  public var tokenFile: String
  /// The pid of the `shoal` process that owns the cluster.
  public var pid: Int32
  /// The backend class.
  public var clusterClass: String
  /// The configuration file it was started from.
  public var configFile: String?
  /// Whether it runs detached (`shoal up --detach`).
  public var detached: Bool
  /// When it became ready, in seconds since 1970.
  public var startedAt: Double
  /// The client's certificate files under TLS (nil: plain TCP).
  public var tls: TLSFiles?
  /// What protects the cluster, in words (`shoal clusters show`).
  public var protection: String?
  /// Its dashboard's URL; nil when it has none.
  public var dashboard: String?
  /// Whether it is a temporary cluster (started for one command and closed after it).
  public var temporary: Bool?
  /// For a temporary cluster: the command that owns it.
  public var command: String?

  /// A record.
  public init(
    name: String, clusterID: String, address: String, tokenFile: String, pid: Int32,
    clusterClass: String, configFile: String?, detached: Bool, startedAt: Double,
    tls: TLSFiles? = nil, protection: String? = nil, dashboard: String? = nil,
    temporary: Bool? = nil, command: String? = nil
  ) {
    self.tls = tls
    self.protection = protection
    self.dashboard = dashboard
    self.temporary = temporary
    self.command = command
    self.name = name
    self.clusterID = clusterID
    self.address = address
    self.tokenFile = tokenFile
    self.pid = pid
    self.clusterClass = clusterClass
    self.configFile = configFile
    self.detached = detached
    self.startedAt = startedAt
  }
}

/// The state folder: where running clusters are recorded.
public struct StateFolder: Sendable {
  /// `$XDG_STATE_HOME/shoal` (default `~/.local/state/shoal`).
  public var root: String

  /// The folder at `root`.
  public init(root: String) { self.root = root }

  /// `$SHOAL_STATE_DIR`, else `$XDG_STATE_HOME/shoal`, else `$HOME/.local/state/shoal`.
  public static func standard(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> StateFolder {
    if let explicit = environment["SHOAL_STATE_DIR"], !explicit.isEmpty {
      return StateFolder(root: explicit)
    }
    if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty {
      return StateFolder(root: xdg + "/shoal")
    }
    let home = environment["HOME"] ?? NSHomeDirectory()
    return StateFolder(root: home + "/.local/state/shoal")
  }

  /// The folder of the named cluster.
  public func cluster(_ name: String) -> String { root + "/clusters/" + name }
  /// Its record.
  public func recordFile(_ name: String) -> String { cluster(name) + "/cluster.json" }
  /// Its token file.
  public func tokenFile(_ name: String) -> String { cluster(name) + "/token" }
  /// Its lock file.
  public func lockFile(_ name: String) -> String { cluster(name) + "/lock" }
  /// A detached cluster's own output.
  public func logFile(_ name: String) -> String { cluster(name) + "/cluster.log" }
  /// A folder for a temporary cluster's logs (removed when it closes cleanly).
  public func temporary(_ clusterID: String) -> String { root + "/temporary/" + clusterID }

  /// The recorded cluster `name`, if any (whether or not it is still alive).
  public func record(_ name: String) -> ClusterRecord? {
    guard let data = FileManager.default.contents(atPath: recordFile(name)) else { return nil }
    return try? JSONDecoder().decode(ClusterRecord.self, from: data)
  }

  /// Names of every cluster folder with a record, sorted.
  public func recordedNames() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/clusters")) ?? []
    return names.filter { FileManager.default.fileExists(atPath: recordFile($0)) }.sorted()
  }

  /// Writes `record` atomically.
  public func write(_ record: ClusterRecord) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(record).write(
      to: URL(fileURLWithPath: recordFile(record.name)), options: .atomic)
  }

  /// Writes the token with mode 0600.
  public func writeToken(_ token: String, name: String) throws {
    let path = tokenFile(name)
    try? FileManager.default.removeItem(atPath: path)
    guard
      FileManager.default.createFile(
        atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
    else {
      throw ShoalError(.invalidState, "cannot write the token file \(path)")
    }
  }

  /// Removes the record, token and secrets of `name`: the workers' secret file and the
  /// certificates, also those a killed cluster process left (the logs stay).
  public func removeRecord(_ name: String) {
    try? FileManager.default.removeItem(atPath: recordFile(name))
    try? FileManager.default.removeItem(atPath: tokenFile(name))
    SecretFile.remove(SecretFile.path(stateDirectory: cluster(name)))
    ClusterCredentials.remove(from: cluster(name))
  }

  /// Creates `path` and its parents.
  public static func makeFolder(_ path: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw ShoalError(
        .invalidState, "cannot create the state folder \(path): \(error.localizedDescription)",
        hint: "set XDG_STATE_HOME or SHOAL_STATE_DIR to a writable folder")
    }
  }
}
