import Foundation
import Logging
import ShoalCore
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
  /// temporary cluster brings its own), and so is `tls`, the client's certificates from
  /// `--tls-ca/--tls-cert/--tls-key` (an `address:` cluster may name them under
  /// `security.tls` instead). Plain TCP to an address other than loopback is refused
  /// unless the cluster says `tls: off`.
  public static func with<T>(
    cluster name: String?, address: String?, token: () throws -> String,
    tls: TLSSettings? = nil,
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
      return try await body(
        ClusterTarget(
          kind: .existing, name: spec.name, address: existing, token: token(), tls: settings))
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
  public static func temporary<T>(
    spec: ClusterSpec, loader: PluginLoader, options: ClusterOptions, logger: Logger,
    _ body: (ClusterTarget) async throws -> T
  ) async throws -> T {
    let runtime = try ClusterRuntime(spec: spec, loader: loader, options: options, logger: logger)
    var result: Result<T, any Error>?
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        // Its failure is the start error that `ready()` throws below.
        try? await runtime.run()
      }
      do {
        let endpoint = try await runtime.ready()
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
    if case .success = result {
      try? FileManager.default.removeItem(atPath: runtime.stateDirectory)
    }
    return try result!.get()
  }

  /// The client's TLS settings for a cluster Shoal did not start: the command line's
  /// files, else the cluster's `security.tls` files; plain TCP only on loopback or
  /// where `tls: off` is written.
  public static func existingTLS(
    address: String, explicit: TLSSettings?, security: ClusterSecurity, what: String
  ) throws -> TLSSettings {
    // A malformed address is reported as such before anything about TLS.
    let host = try SchedulerAddress(parsing: address).host
    if let explicit { return explicit }
    if let files = security.tls.files {
      do {
        return try .files(files)
      } catch {
        throw ShoalError(
          .invalidConfig, "\(what): \(error)", location: security.location,
          keyPath: security.keyPath)
      }
    }
    if security.isOff { return .off }
    guard ClusterCredentials.isLoopback(host) else {
      throw ShoalError(
        .invalidConfig,
        "\(what) is reached over the network, and plain TCP would send the token and every"
          + " task in clear",
        location: security.location, keyPath: security.keyPath,
        hint: "give the client's certificates (--tls-ca/--tls-cert/--tls-key, or security: {tls:"
          + " {ca_file, cert_file, key_file}} in clusters.yaml), or write `security: {tls: off}`"
          + " to accept plain TCP; see docs/security.md")
    }
    return .off
  }
}
