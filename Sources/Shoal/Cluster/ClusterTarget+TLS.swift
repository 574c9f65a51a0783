import ShoalCore
import ShoalTLS

extension ClusterTarget {
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
