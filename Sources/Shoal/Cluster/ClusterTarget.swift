import Foundation
import Logging
import ShoalCore
import ShoalPluginHost
import ShoalTLS

/// Where a command's work goes, and who owns that cluster.
public struct ClusterTarget: Sendable {
  /// How the target was reached.
  public enum Kind: String, Sendable {
    /// An explicit `--address`, or a cluster declared with `address:`.
    case existing
    /// A detached cluster of that name that is up (`shoal up NAME --detach`).
    case detached
    /// A cluster started for this one command and closed after it.
    case temporary
  }

  /// The kind.
  public var kind: Kind
  /// The cluster's name (nil for a bare `--address`).
  public var name: String?
  /// The scheduler's address.
  public var address: String
  /// The token to present.
  public var token: String
  /// The client's TLS settings (`.off`: plain TCP).
  public var tls: TLSSettings = .off
  /// What protects the connection, in words.
  public var protection: String = ""

  /// A target.
  public init(
    kind: Kind, name: String?, address: String, token: String, tls: TLSSettings = .off,
    protection: String = ""
  ) {
    self.kind = kind
    self.name = name
    self.address = address
    self.token = token
    self.tls = tls
    self.protection = protection.isEmpty ? tls.description : protection
  }

  /// Runs `body` against the target that `--cluster`/`--address` name, as `shoal run`
  /// and `shoal map` use it:
  ///
  /// 1. an explicit `address` is used as is (with `token`);
  /// 2. otherwise the cluster `name` (or the config's `default`; with no config at all,
  ///    a default local cluster) is used: an `address:` cluster is connected to; a
  ///    detached cluster of that name that is up is joined; any other is started as a
  ///    **temporary** cluster for this one call and closed after it (also when `body`
  ///    throws or is cancelled).
  ///
  /// `token` is needed only for an explicit or `address:` cluster (a detached or
  /// temporary cluster brings its own). An `address:` cluster with `token_file:` reads
  /// its token from that file, unless `tokenGivenExplicitly` (a `--token-file` on the
  /// command line, which wins). `tls` is the client's certificates from
  /// `--tls-ca/--tls-cert/--tls-key` (an `address:` cluster may name them under
  /// `security.tls` instead). Plain TCP to an address other than loopback is refused
  /// unless the cluster says `tls: off`.
  public static func with<T>(
    cluster name: String?, address: String?, token: () throws -> String,
    tokenGivenExplicitly: Bool = false, tls: TLSSettings? = nil,
    config: ShoalConfig?, loader: PluginLoader, options: ClusterOptions = .init(),
    logger: Logger, _ body: (ClusterTarget) async throws -> T
  ) async throws -> T {
    if let address {
      if let name {
        throw ShoalError(
          .invalidValue, "give either --cluster \(name) or --address \(address), not both")
      }
      let settings = try existingTLS(
        address: address, explicit: tls, security: .auto, what: "--address \(address)")
      return try await body(
        ClusterTarget(
          kind: .existing, name: nil, address: address, token: token(), tls: settings))
    }
    let spec: ClusterSpec
    if let config {
      spec = try config.cluster(named: name)
    } else if let name, name != defaultLocalName {
      throw ShoalError(
        .configNotFound, "no clusters.yaml found, so there is no cluster `\(name)`",
        hint:
          "create clusters.yaml (see docs/clusters.md), pass --config, or omit --cluster to use a local cluster"
      )
    } else {
      spec = ClusterSpec(name: defaultLocalName)
    }
    if let existing = spec.address {
      let settings = try existingTLS(
        address: existing, explicit: tls, security: spec.security,
        what: "cluster `\(spec.name)` (\(existing))")
      let value =
        try spec.tokenFile.flatMap { tokenGivenExplicitly ? nil : try TokenFile.read($0) }
        ?? token()
      return try await body(
        ClusterTarget(
          kind: .existing, name: spec.name, address: existing, token: value, tls: settings))
    }
    if let joined = try detached(spec.name, stateFolder: options.stateFolder) {
      logger.info("joining the detached cluster `\(spec.name)` at \(joined.address)")
      return try await body(joined)
    }
    var options = options
    options.recorded = false
    options.configFile = config?.file
    return try await temporary(
      spec: spec, loader: loader, options: options, logger: logger, body)
  }

  /// The name of the cluster used when there is no clusters.yaml.
  public static let defaultLocalName = "local"

  /// The detached cluster `name`, when one is up; nil when none is recorded or its
  /// process is gone (the stale record is then removed).
  public static func detached(_ name: String, stateFolder: StateFolder) throws -> ClusterTarget? {
    guard let record = stateFolder.record(name) else { return nil }
    guard ClusterLock.isHeld(stateFolder.lockFile(name)) else {
      stateFolder.removeRecord(name)
      return nil
    }
    let token = try String(contentsOfFile: record.tokenFile, encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    var tls = TLSSettings.off
    if let files = record.tls {
      do {
        tls = try .files(files)
      } catch {
        throw ShoalError(
          .invalidState, "cannot read the certificates of the detached cluster `\(name)`: \(error)",
          hint:
            "they are written by `shoal up \(name) --detach`; restart it with `shoal down \(name)`"
            + " and `shoal up \(name) --detach`")
      }
    }
    return ClusterTarget(
      kind: .detached, name: name, address: record.address, token: token, tls: tls,
      protection: record.protection ?? "")
  }

  /// Starts `spec` as a temporary cluster, runs `body` once it is ready, then closes
  /// the cluster (retire, stop) whatever `body` did.
  ///
  /// Its state folder (`STATE/temporary/ID`: worker logs) is removed when it closes,
  /// also after `body` failed or was interrupted. Only a cluster that failed to
  /// start keeps it, for its logs (the error names them); of those, the newest
  /// `keptFailedStarts` are kept and older ones removed.
  public static func temporary<T>(
    spec: ClusterSpec, loader: PluginLoader, options: ClusterOptions, logger: Logger,
    _ body: (ClusterTarget) async throws -> T
  ) async throws -> T {
    let runtime = try ClusterRuntime(spec: spec, loader: loader, options: options, logger: logger)
    var result: Result<T, any Error>?
    var started = false
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        // Its failure is the start error that `ready()` throws below.
        try? await runtime.run()
      }
      do {
        let endpoint = try await runtime.ready()
        started = true
        result = .success(
          try await body(
            ClusterTarget(
              kind: .temporary, name: spec.name, address: endpoint.address, token: endpoint.token,
              tls: endpoint.tls, protection: endpoint.protection)))
      } catch {
        result = .failure(error)
      }
      runtime.close()
      await group.waitForAll()
    }
    if started {
      try? FileManager.default.removeItem(atPath: runtime.stateDirectory)
    } else {
      FileManager.default.createFile(
        atPath: runtime.stateDirectory + "/" + failedStartMarker, contents: nil)
    }
    pruneTemporaryFolders(in: options.stateFolder, keeping: keptFailedStarts)
    return try result!.get()
  }

  /// How many state folders of temporary clusters that failed to start are kept.
  public static let keptFailedStarts = 5

  /// The file that marks the state folder of a temporary cluster that failed to start
  /// (folders of clusters still running are never pruned).
  static let failedStartMarker = "failed-to-start"

  /// Removes all but the newest `count` folders under `STATE/temporary` of clusters
  /// that failed to start.
  static func pruneTemporaryFolders(in folder: StateFolder, keeping count: Int) {
    let root = folder.root + "/temporary"
    let manager = FileManager.default
    guard let names = try? manager.contentsOfDirectory(atPath: root) else { return }
    let failed = names.filter {
      manager.fileExists(atPath: root + "/" + $0 + "/" + failedStartMarker)
    }
    let dated = failed.map { name -> (path: String, date: Date) in
      let path = root + "/" + name
      let date = (try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? nil
      return (path, date ?? .distantPast)
    }
    for old in dated.sorted(by: { $0.date > $1.date }).dropFirst(count) {
      try? manager.removeItem(atPath: old.path)
    }
  }
}
