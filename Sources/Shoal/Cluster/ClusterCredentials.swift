import Foundation
import ShoalCertificateAuthority
import ShoalCore
import ShoalTLS

/// The credentials of one started cluster: what its scheduler serves with, what its
/// workers and its clients present, and a sentence for `shoal clusters show`.
///
/// Under `tls: auto` a new CA is made for the cluster (its key stays in this process's
/// memory, never on disk) and signs three certificates, each marked with its role:
/// the scheduler's, the workers' and the client's. They are written to `STATE/tls/`
/// (mode 0600, the folder 0700) and removed when the cluster goes down.
struct ClusterCredentials: Sendable {
  /// The scheduler's TLS settings.
  var scheduler: TLSSettings
  /// What every worker presents (travels inside the worker's credential bundle).
  var worker: TLSSettings
  /// What clients of this cluster present.
  var client: TLSSettings
  /// What protects the cluster, in words.
  var summary: String

  /// Whether a scheduler on `host` listens only on loopback.
  static func isLoopback(_ host: String) -> Bool {
    host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
  }

  /// The credentials for `security` with a scheduler on `host`; throws for plain TCP on
  /// a non-loopback address that the user did not write `tls: off` for.
  static func make(spec: ClusterSpec, host: String) throws -> ClusterCredentials {
    let security = spec.security
    if security.isOff {
      return ClusterCredentials(
        scheduler: .off, worker: .off, client: .off,
        summary: "plain TCP (tls: off): the token and every task cross the network in clear")
    }
    if security.tls.files != nil {
      throw ShoalError(
        .invalidConfig,
        "cluster `\(spec.name)` starts its own scheduler and workers, so your own certificate"
          + " files cannot serve all three roles",
        location: security.location, keyPath: security.keyPath ?? "\(spec.keyPath).security",
        hint: "use `tls: auto` (a per-cluster CA is made at start), or run `shoal scheduler` and"
          + " `shoal worker` with your certificates (--tls-ca/--tls-cert/--tls-key) and declare"
          + " the cluster with `address:` and these files; see docs/security.md")
    }
    do {
      let authority = try CertificateAuthority(name: spec.name)
      return ClusterCredentials(
        scheduler: .mutual(try authority.issue(role: .scheduler, name: "\(spec.name)-scheduler")),
        worker: .mutual(try authority.issue(role: .worker, name: "\(spec.name)-worker")),
        client: .mutual(try authority.issue(role: .client, name: "\(spec.name)-client")),
        summary: "mutual TLS 1.3 with a per-cluster CA (tls: auto); worker and client"
          + " certificates are separate roles")
    } catch {
      throw ShoalError(.invalidState, "cannot make the certificates of `\(spec.name)`: \(error)")
    }
  }

  /// Writes every certificate and key (0600) to `folder/tls`; returns the client's files.
  func write(to folder: String) throws -> TLSFiles? {
    guard let client = client.identity else { return nil }
    let tls = folder + "/tls"
    do {
      if let scheduler = scheduler.identity { try scheduler.write(to: tls, name: "scheduler") }
      if let worker = worker.identity { try worker.write(to: tls, name: "worker") }
      return try client.write(to: tls, name: "client")
    } catch {
      throw ShoalError(
        .invalidState, "cannot write the cluster's certificates to \(tls): \(error)",
        hint: "set XDG_STATE_HOME or SHOAL_STATE_DIR to a writable folder")
    }
  }

  /// Removes `folder/tls`.
  static func remove(from folder: String) {
    try? FileManager.default.removeItem(atPath: folder + "/tls")
  }
}
