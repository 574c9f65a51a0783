import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// What one peer holds to take part in a mutual-TLS cluster: the CA certificate it
/// trusts, its own certificate (chain) and private key, all PEM text.
public struct TLSIdentity: Sendable, Hashable {
  /// The certificate authority that signed every peer of the cluster (PEM).
  public var caCertificatePEM: String
  /// This peer's certificate, optionally followed by intermediates (PEM).
  public var certificatePEM: String
  /// This peer's private key (PEM).
  public var privateKeyPEM: String

  /// An identity from PEM text.
  public init(caCertificatePEM: String, certificatePEM: String, privateKeyPEM: String) {
    self.caCertificatePEM = caCertificatePEM
    self.certificatePEM = certificatePEM
    self.privateKeyPEM = privateKeyPEM
  }

  /// Reads the three files of `files`; throws `TLSError` naming the file that fails.
  public init(files: TLSFiles) throws {
    caCertificatePEM = try TLSIdentity.read(files.caFile, what: "CA certificate")
    certificatePEM = try TLSIdentity.read(files.certFile, what: "certificate")
    privateKeyPEM = try TLSIdentity.read(files.keyFile, what: "private key")
  }

  /// Writes the identity as `ca.pem`, `NAME.pem` and `NAME-key.pem` into `folder`
  /// (made 0700 when missing), every file 0600, and returns their paths.
  @discardableResult
  public func write(to folder: String, name: String) throws -> TLSFiles {
    try FileManager.default.createDirectory(
      atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let files = TLSFiles(
      caFile: folder + "/ca.pem", certFile: folder + "/\(name).pem",
      keyFile: folder + "/\(name)-key.pem")
    for (path, text) in [
      (files.caFile, caCertificatePEM), (files.certFile, certificatePEM),
      (files.keyFile, privateKeyPEM),
    ] {
      try TLSIdentity.writePrivate(path, text)
    }
    return files
  }

  /// Writes `text` to `path` with mode 0600 from the start (never readable by others).
  public static func writePrivate(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw TLSError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    defer { _ = Glibc.close(fd) }
    _ = fchmod(fd, 0o600)
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let result = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      guard result > 0 else {
        throw TLSError("cannot write \(path): \(String(cString: strerror(errno)))")
      }
      written += result
    }
  }

  static func read(_ path: String, what: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TLSError(
        "cannot read the \(what) file \(path)",
        hint:
          "check the path and its permissions (security: ca_file, cert_file, key_file or --tls-ca/--tls-cert/--tls-key)"
      )
    }
    let text = String(decoding: data, as: UTF8.self)
    guard text.contains("-----BEGIN ") else {
      throw TLSError(
        "the \(what) file \(path) is not PEM (no `-----BEGIN` line)",
        hint: "give a PEM file; convert DER with your PKI's tools")
    }
    return text
  }
}

/// Paths of a peer's CA certificate, certificate and private key (PEM files).
public struct TLSFiles: Sendable, Hashable, Codable {
  /// The CA certificate that signed the cluster's peers.
  public var caFile: String
  /// This peer's certificate.
  public var certFile: String
  /// This peer's private key.
  public var keyFile: String

  /// Three paths.
  public init(caFile: String, certFile: String, keyFile: String) {
    self.caFile = caFile
    self.certFile = certFile
    self.keyFile = keyFile
  }
}

/// A TLS setup that cannot be used: a file missing, a certificate that does not parse.
public struct TLSError: Error, Sendable, CustomStringConvertible {
  /// What went wrong.
  public var message: String
  /// How to fix it, when known.
  public var hint: String?

  /// An error.
  public init(_ message: String, hint: String? = nil) {
    self.message = message
    self.hint = hint
  }

  public var description: String { message + (hint.map { " (\($0))" } ?? "") }
}
