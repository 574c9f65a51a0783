import ShoalCore

extension ClusterSecurity {
  /// What protects the connections of `spec`, in one sentence (`shoal clusters show`).
  public static func protection(of spec: ClusterSpec) -> String {
    let security = spec.security
    if let address = spec.address {
      if let files = security.tls.files {
        return "mutual TLS 1.3 with your certificates (CA \(files.caFile)); a token on top"
      }
      if security.isOff {
        return "plain TCP (tls: off): only the token, sent in clear; anyone on the network"
          + " path can read tasks and take the token"
      }
      let host = (try? SchedulerAddress(parsing: address))?.host ?? address
      return ClusterCredentials.isLoopback(host)
        ? "plain TCP on loopback: the token keeps other local users out"
        : "nothing yet: plain TCP to \(host) is refused; give security.tls files or write tls: off"
    }
    if security.tls.files != nil {
      return "invalid: a started cluster makes its own certificates (use tls: auto)"
    }
    if security.isOff {
      return "plain TCP (tls: off): only the token, sent in clear"
    }
    return "mutual TLS 1.3 with a per-cluster CA made at start (tls: auto); workers and"
      + " clients hold separate role certificates, and the token"
  }
}
