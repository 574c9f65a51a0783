import NIOCore
import ShoalTLS
import ShoalWire

extension SchedulerCore {
  /// Under TLS, the role a peer asks for in its hello must be one its certificate
  /// allows: a worker certificate registers workers only, a client certificate opens
  /// client and control sessions only, a scheduler certificate neither. A certificate
  /// without a Shoal role marker (the user's own PKI) may take any role. Returns the
  /// refusal message, nil when allowed. Plain TCP has no certificates to check.
  func certificateRefusal(for role: PeerRole, from peer: Peer) -> String? {
    guard configuration.tls.isEnabled else { return nil }
    switch TLSPipeline.peerIdentity(of: peer.context.pipeline.syncOperations) {
    case .plain, .unmarked:
      return nil
    case .role(let certificateRole):
      let allowed: Bool
      switch certificateRole {
      case .worker: allowed = role == .worker
      case .client: allowed = role == .client || role == .control
      default: allowed = false
      }
      if allowed { return nil }
      return "a \(certificateRole) certificate may not connect as a \(role);"
        + " use the \(role == .worker ? "worker" : "client") credentials of the cluster"
    }
  }

  /// A worker name already held by a live connection is refused: the connected worker
  /// keeps its name and its tasks (a reconnecting worker whose old connection is not
  /// yet known dead is refused until the heartbeat timeout closes the old one).
  func nameRefusal(for name: String) -> String? {
    guard let old = workersByName[name].flatMap({ peers[$0] }), !old.closing else { return nil }
    return "a worker named `\(name)` is already connected; worker names must be unique"
      + " in a cluster (--name)"
  }
}
