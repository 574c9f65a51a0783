import ShoalCore
import ShoalTLS

/// What protects a cluster's connections, from `security:` in `clusters.yaml` (at the
/// top, for every cluster, and per cluster, which wins):
///
/// ```yaml
/// security: {tls: auto}          # the default
/// clusters:
///   lab:
///     security:
///       tls: {ca_file: pki/ca.pem, cert_file: pki/client.pem, key_file: pki/client-key.pem}
///   dev:
///     security: {tls: off}       # plain TCP: refused on anything but loopback otherwise
/// ```
public struct ClusterSecurity: Sendable, Hashable, CustomStringConvertible {
  /// How TLS is set up (a struct, so that modes can be added).
  public struct Mode: Sendable, Hashable {
    fileprivate enum Kind: Hashable, Sendable {
      case auto, off
      case files(TLSFiles)
    }
    fileprivate let kind: Kind

    /// A per-cluster CA and certificates made when the cluster starts.
    public static let auto = Mode(kind: .auto)
    /// Plain TCP, written out by the user.
    public static let off = Mode(kind: .off)
    /// The user's own PKI: the client's certificate files (the scheduler's and the
    /// workers' are given to them by the user, docs/security.md).
    public static func files(_ files: TLSFiles) -> Mode { Mode(kind: .files(files)) }

    /// The files of a `files` mode.
    public var files: TLSFiles? {
      if case .files(let files) = kind { return files }
      return nil
    }
  }

  /// The TLS mode.
  public var tls: Mode
  /// Where `security` was written (nil for the default).
  public var location: SourceLocation?
  /// Its key path (`security` or `clusters.NAME.security`).
  public var keyPath: String?

  /// Settings.
  public init(tls: Mode = .auto, location: SourceLocation? = nil, keyPath: String? = nil) {
    self.tls = tls
    self.location = location
    self.keyPath = keyPath
  }

  /// The default: `tls: auto`.
  public static let auto = ClusterSecurity()

  public var description: String {
    switch tls.kind {
    case .auto: return "tls: auto"
    case .off: return "tls: off"
    case .files(let files):
      return
        "tls: {ca_file: \(files.caFile), cert_file: \(files.certFile), key_file: \(files.keyFile)}"
    }
  }

  /// Whether the user wrote `tls: off`.
  public var isOff: Bool { tls == .off }

  static let keys = ["tls"]
  static let fileKeys = ["ca_file", "cert_file", "key_file"]

  /// Reads a `security:` node; relative file paths are resolved against `baseDirectory`.
  static func parse(_ node: Kwargs, baseDirectory: String, home: String?) throws -> ClusterSecurity
  {
    guard node.isMap else {
      throw node.error(
        "expected a mapping such as `{tls: auto}`, found \(node.kindDescription)",
        code: .typeMismatch,
        hint:
          "write `security: {tls: auto}`, `{tls: off}` or `{tls: {ca_file: ..., cert_file: ..., key_file: ...}}`"
      )
    }
    try ConfigParser.checkKeys(of: node, accepted: keys)
    guard let tls = node["tls"], !tls.isNull else {
      return ClusterSecurity(tls: .auto, location: node.location, keyPath: node.path)
    }
    switch tls.value {
    case .scalar(let text, _):
      switch text.lowercased() {
      case "auto": return ClusterSecurity(tls: .auto, location: node.location, keyPath: node.path)
      // Yams reads a bare `off` or `false` as a boolean; both mean plain TCP here.
      case "off", "false", "no":
        return ClusterSecurity(tls: .off, location: tls.location, keyPath: node.path)
      default:
        throw tls.error(
          "unknown tls mode `\(text)`" + Suggestion.didYouMean(text, in: ["auto", "off"]),
          code: .invalidValue,
          hint: "write `auto` (the default), `off`, or a mapping {ca_file, cert_file, key_file}")
      }
    case .map:
      try ConfigParser.checkKeys(of: tls, accepted: fileKeys)
      var paths: [String] = []
      for key in fileKeys {
        guard let value = tls[key], !value.isNull else {
          throw tls.error(
            "missing `\(key)`: your own certificates need all of "
              + fileKeys.map { "`\($0)`" }.joined(separator: ", "),
            code: .missingKey, hint: "see docs/security.md, bring your own certificates")
        }
        let path = try value.decode(String.self)
        guard !path.isEmpty else { throw value.error("`\(key)` is empty", code: .invalidValue) }
        paths.append(resolve(path, baseDirectory: baseDirectory, home: home))
      }
      return ClusterSecurity(
        tls: .files(TLSFiles(caFile: paths[0], certFile: paths[1], keyFile: paths[2])),
        location: tls.location, keyPath: node.path)
    default:
      throw tls.error(
        "expected `auto`, `off` or a mapping {ca_file, cert_file, key_file}, found \(tls.kindDescription)",
        code: .typeMismatch)
    }
  }

  static func resolve(_ path: String, baseDirectory: String, home: String?) -> String {
    if path.hasPrefix("/") { return path }
    if path.hasPrefix("~/"), let home { return home + path.dropFirst(1) }
    return ConfigParser.join(baseDirectory, path)
  }
}
