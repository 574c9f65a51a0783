import NIOSSL

/// What a certificate lets its holder be: the scheduler, a worker or a client.
///
/// The role is written into the certificate's subject as an organizational unit
/// (`OU=shoal-worker`), so a worker's certificate cannot open a client session and a
/// client's cannot register as a worker, even though one CA signed both. Reading the
/// marker needs only swift-nio-ssl (BoringSSL parses the subject); making certificates
/// is `CertificateAuthority`'s job, in the ShoalCertificateAuthority module.
public struct CertificateRole: Hashable, Sendable, CustomStringConvertible {
  /// The role's name: `scheduler`, `worker` or `client`.
  public let name: String
  private init(_ name: String) { self.name = name }

  /// Serves the cluster: the scheduler's own certificate.
  public static let scheduler = CertificateRole("scheduler")
  /// Runs tasks: may register as a worker, nothing else.
  public static let worker = CertificateRole("worker")
  /// Submits and cancels tasks, sends control commands; may not register as a worker.
  public static let client = CertificateRole("client")

  /// Every role.
  public static let all: [CertificateRole] = [.scheduler, .worker, .client]

  /// The organizational unit that marks the role: `shoal-NAME`.
  public var organizationalUnit: String { "shoal-\(name)" }

  public var description: String { name }

  /// The role marked in `certificate`'s subject, nil when it carries no Shoal marker
  /// (a certificate from the user's own PKI without an `OU=shoal-...`).
  public static func marked(in certificate: NIOSSLCertificate) -> CertificateRole? {
    for entry in certificate.subjectName where entry.type == .organizationalUnit {
      if let role = all.first(where: { $0.organizationalUnit == entry.value }) { return role }
    }
    return nil
  }

  /// The role marked in a DER-encoded certificate; nil when unmarked or unreadable.
  public static func marked(inDER bytes: [UInt8]) -> CertificateRole? {
    guard let certificate = try? NIOSSLCertificate(bytes: bytes, format: .der) else { return nil }
    return marked(in: certificate)
  }
}
