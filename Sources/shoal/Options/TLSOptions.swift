import ArgumentParser
import Shoal
import ShoalTLS

/// `--tls-ca`, `--tls-cert`, `--tls-key`: this process's certificates for mutual TLS
/// with a scheduler Shoal did not start (`shoal scheduler`, an `address:` cluster).
/// All three or none; files are PEM (docs/security.md).
struct TLSOptions: ParsableArguments {
  @Option(
    name: .customLong("tls-ca"),
    help: ArgumentHelp(
      "The CA certificate (PEM) that signed the cluster's peers.", valueName: "file"))
  var caFile: String?

  @Option(
    name: .customLong("tls-cert"),
    help: ArgumentHelp("This process's certificate (PEM), signed by --tls-ca.", valueName: "file"))
  var certFile: String?

  @Option(
    name: .customLong("tls-key"),
    help: ArgumentHelp("This process's private key (PEM).", valueName: "file"))
  var keyFile: String?

  func validate() throws {
    let given = [caFile, certFile, keyFile].compactMap { $0 }
    if !given.isEmpty && given.count != 3 {
      throw ValidationError(
        "--tls-ca, --tls-cert and --tls-key go together: give all three (missing "
          + [("--tls-ca", caFile), ("--tls-cert", certFile), ("--tls-key", keyFile)]
          .filter { $0.1 == nil }.map(\.0).joined(separator: ", ") + ")")
    }
  }

  /// The files, when given.
  var files: TLSFiles? {
    guard let caFile, let certFile, let keyFile else { return nil }
    return TLSFiles(caFile: caFile, certFile: certFile, keyFile: keyFile)
  }

  /// The settings from the files, nil when none are given; throws naming a bad file.
  func settings() throws -> TLSSettings? {
    guard let files else { return nil }
    do {
      return try .files(files)
    } catch let error as TLSError {
      throw ValidationError(error.description)
    }
  }
}
