import Crypto
import Foundation
import ShoalTLS
import X509

/// A per-cluster certificate authority, made in-process (no `openssl` command): a
/// P-256 key and a self-signed CA certificate that signs the scheduler's, the
/// workers' and the client's certificates, each marked with its `CertificateRole`.
///
///     let authority = try CertificateAuthority(name: "lab")
///     let scheduler = try authority.issue(role: .scheduler, name: "scheduler")
///     let worker = try authority.issue(role: .worker, name: "worker")
public struct CertificateAuthority: Sendable {
  /// The CA certificate.
  public let certificate: Certificate
  private let key: Certificate.PrivateKey

  /// How long certificates made by `auto` are valid: a cluster that runs longer than
  /// this needs new ones (docs/security.md, rotation).
  public static let defaultValidity: TimeInterval = 365 * 24 * 3600

  /// A new CA named `shoal CA NAME`, valid from a minute ago for `validity` seconds.
  public init(name: String, validity: TimeInterval = CertificateAuthority.defaultValidity) throws {
    let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let subject = try DistinguishedName {
      OrganizationName("shoal")
      CommonName("shoal CA \(name)")
    }
    let now = Date()
    certificate = try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(),
      publicKey: key.publicKey, notValidBefore: now - 60, notValidAfter: now + validity,
      issuer: subject, subject: subject,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
        Critical(KeyUsage(keyCertSign: true, cRLSign: true))
        SubjectKeyIdentifier(hash: key.publicKey)
      },
      issuerPrivateKey: key)
    self.key = key
  }

  /// A leaf certificate for `role`, named `name`, valid between `notBefore` and
  /// `notAfter` (defaults: a minute ago, `defaultValidity` from now). Peers check the
  /// CA and the role, not host names: workers reach one scheduler by many addresses.
  public func issue(
    role: CertificateRole, name: String, notBefore: Date? = nil,
    notAfter: Date? = nil
  ) throws -> TLSIdentity {
    let now = Date()
    let leafKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let subject = try DistinguishedName {
      OrganizationName("shoal")
      OrganizationalUnitName(role.organizationalUnit)
      CommonName(name)
    }
    let usage: [ExtendedKeyUsage.Usage] =
      role == .scheduler ? [.serverAuth] : [.clientAuth]
    let leaf = try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(),
      publicKey: leafKey.publicKey, notValidBefore: notBefore ?? now - 60,
      notValidAfter: notAfter ?? now + CertificateAuthority.defaultValidity,
      issuer: certificate.subject, subject: subject,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.notCertificateAuthority)
        Critical(KeyUsage(digitalSignature: true))
        try ExtendedKeyUsage(usage)
        SubjectKeyIdentifier(hash: leafKey.publicKey)
      },
      issuerPrivateKey: key)
    return TLSIdentity(
      caCertificatePEM: try certificate.serializeAsPEM().pemString,
      certificatePEM: try leaf.serializeAsPEM().pemString,
      privateKeyPEM: try leafKey.serializeAsPEM().pemString)
  }
}
