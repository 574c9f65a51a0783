import NIOSSL

/// How a scheduler connection is protected: plain TCP, or TLS 1.3 with mutual
/// authentication by certificates of one CA.
///
/// A struct rather than an enum so that modes can be added. `off` sends the token and
/// every task in clear: only for loopback, or networks the user trusts
/// (docs/security.md).
public struct TLSSettings: Sendable, Hashable, CustomStringConvertible {
  /// This peer's CA, certificate and key; nil for plain TCP.
  public var identity: TLSIdentity?

  /// TLS with `identity`.
  public init(identity: TLSIdentity?) { self.identity = identity }

  /// Plain TCP.
  public static let off = TLSSettings(identity: nil)

  /// Mutual TLS with `identity`.
  public static func mutual(_ identity: TLSIdentity) -> TLSSettings {
    TLSSettings(identity: identity)
  }

  /// Mutual TLS with the PEM files of `files`.
  public static func files(_ files: TLSFiles) throws -> TLSSettings {
    TLSSettings(identity: try TLSIdentity(files: files))
  }

  /// Whether connections use TLS.
  public var isEnabled: Bool { identity != nil }

  public var description: String { isEnabled ? "mutual TLS 1.3" : "plain TCP" }

  /// The context of a server that demands a client certificate signed by the CA;
  /// nil for plain TCP. Make it once: every connection shares it.
  public func makeServerContext() throws -> ServerTLSContext {
    ServerTLSContext(context: try makeServerSSLContext())
  }

  /// The context of a client that presents its certificate and accepts only a
  /// scheduler certificate of the CA. Make it once per process if you connect often.
  public func makeClientContext() throws -> ClientTLSContext {
    ClientTLSContext(context: try makeClientSSLContext())
  }

  func makeServerSSLContext() throws -> NIOSSLContext? {
    guard let identity else { return nil }
    var configuration = TLSConfiguration.makeServerConfiguration(
      certificateChain: try TLSSettings.chain(identity).map { .certificate($0) },
      privateKey: .privateKey(try TLSSettings.key(identity)))
    configuration.minimumTLSVersion = .tlsv13
    configuration.trustRoots = .certificates(try TLSSettings.ca(identity))
    // Peers are many machines reached by many names: the CA and the role are checked,
    // host names are not (docs/security.md).
    configuration.certificateVerification = .noHostnameVerification
    return try TLSSettings.context(configuration)
  }

  func makeClientSSLContext() throws -> NIOSSLContext? {
    guard let identity else { return nil }
    var configuration = TLSConfiguration.makeClientConfiguration()
    configuration.minimumTLSVersion = .tlsv13
    configuration.trustRoots = .certificates(try TLSSettings.ca(identity))
    configuration.certificateChain = try TLSSettings.chain(identity).map { .certificate($0) }
    configuration.privateKey = .privateKey(try TLSSettings.key(identity))
    configuration.certificateVerification = .noHostnameVerification
    return try TLSSettings.context(configuration)
  }

  /// The role marked in this peer's own certificate, when it has one.
  public var role: CertificateRole? {
    guard let identity, let first = try? TLSSettings.chain(identity).first else { return nil }
    return CertificateRole.marked(in: first)
  }

  static func chain(_ identity: TLSIdentity) throws -> [NIOSSLCertificate] {
    do {
      let chain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM.utf8))
      guard !chain.isEmpty else { throw TLSError("no certificate in the PEM text") }
      return chain
    } catch {
      throw TLSError("the certificate does not parse: \(error)", hint: "give a PEM certificate")
    }
  }

  static func ca(_ identity: TLSIdentity) throws -> [NIOSSLCertificate] {
    do {
      return try NIOSSLCertificate.fromPEMBytes(Array(identity.caCertificatePEM.utf8))
    } catch {
      throw TLSError("the CA certificate does not parse: \(error)", hint: "give a PEM certificate")
    }
  }

  static func key(_ identity: TLSIdentity) throws -> NIOSSLPrivateKey {
    do {
      return try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem)
    } catch {
      throw TLSError(
        "the private key does not parse: \(error)", hint: "give an unencrypted PEM private key")
    }
  }

  static func context(_ configuration: TLSConfiguration) throws -> NIOSSLContext {
    do {
      return try NIOSSLContext(configuration: configuration)
    } catch {
      throw TLSError(
        "cannot set up TLS: \(error)", hint: "check that the key belongs to the certificate")
    }
  }
}
