import Foundation

/// A worker's secrets in one string: the cluster token and, under TLS, the worker's
/// CA, certificate and key. It travels exactly where the token alone used to (a file
/// for local workers, SSH stdin, a mounted secret for containers), so no backend
/// needs to learn a new channel and no certificate or key appears on a command line.
///
/// Text form: `shoal-credentials-v1:` followed by base64 of a JSON object. A string
/// without the prefix is a bare token (plain TCP).
public struct CredentialBundle: Sendable, Hashable {
  /// The scheduler's token.
  public var token: String
  /// The TLS identity, nil for plain TCP.
  public var identity: TLSIdentity?

  /// A bundle.
  public init(token: String, identity: TLSIdentity?) {
    self.token = token
    self.identity = identity
  }

  static let prefix = "shoal-credentials-v1:"

  private struct Payload: Codable {
    var token: String
    var ca: String
    var cert: String
    var key: String
  }

  /// The one-line text form (a bare token when there is no identity).
  public var encoded: String {
    guard let identity else { return token }
    let payload = Payload(
      token: token, ca: identity.caCertificatePEM, cert: identity.certificatePEM,
      key: identity.privateKeyPEM)
    let data = (try? JSONEncoder().encode(payload)) ?? Data()
    return CredentialBundle.prefix + data.base64EncodedString()
  }

  /// Reads the text form; a string without the prefix is a bare token.
  public init(decoding text: String) throws {
    guard text.hasPrefix(CredentialBundle.prefix) else {
      self.init(token: text, identity: nil)
      return
    }
    let body = text.dropFirst(CredentialBundle.prefix.count)
    guard let data = Data(base64Encoded: String(body)),
      let payload = try? JSONDecoder().decode(Payload.self, from: data)
    else {
      throw TLSError(
        "the worker's credentials do not decode (a truncated or altered \(CredentialBundle.prefix) value)",
        hint:
          "start workers through the cluster, or pass --token-file and --tls-ca/--tls-cert/--tls-key"
      )
    }
    self.init(
      token: payload.token,
      identity: TLSIdentity(
        caCertificatePEM: payload.ca, certificatePEM: payload.cert, privateKeyPEM: payload.key))
  }
}
