import Foundation
import ShoalCore

/// Where tokens come from. Every connecting command resolves its token the same way:
/// `--token-file F`, then `$SHOAL_TOKEN`, then the default token file that
/// `shoal scheduler` writes when it is given no `--token-file`: `token` in the state
/// folder, `$SHOAL_STATE_DIR/token`, `$XDG_STATE_HOME/shoal/token`, or
/// `~/.local/state/shoal/token` (mode 0600).
public enum TokenFile {
  /// The default token file for `environment`: `token` in the state folder
  /// (`$SHOAL_STATE_DIR`, else `$XDG_STATE_HOME/shoal`, else `~/.local/state/shoal`).
  public static func defaultPath(environment: [String: String]) -> String {
    StateFolder.standard(environment: environment).root + "/token"
  }

  /// The token for a connecting command.
  public static func resolve(tokenFile: String?, environment: [String: String]) throws -> String {
    if let tokenFile { return try read(tokenFile) }
    if let token = environment["SHOAL_TOKEN"], !token.isEmpty { return token }
    let path = defaultPath(environment: environment)
    guard FileManager.default.fileExists(atPath: path) else {
      throw ShoalError(
        .missingKey,
        "no token: no --token-file, no $SHOAL_TOKEN, and no default token file at \(path)",
        hint: "pass the file that `shoal scheduler --token-file F` uses, or set SHOAL_TOKEN")
    }
    return try read(path)
  }

  /// The first line of `path`, trimmed; `-` reads the first line of standard input.
  public static func read(_ path: String) throws -> String {
    let text: String
    if path == "-" {
      text = readLine() ?? ""
    } else {
      guard let data = FileManager.default.contents(atPath: path) else {
        throw ShoalError(
          .configNotFound, "cannot read the token file \(path)",
          hint: "check the path, or let `shoal scheduler --token-file \(path)` create it")
      }
      text = String(decoding: data, as: UTF8.self)
    }
    let token =
      text.split(whereSeparator: \.isNewline).first.map {
        $0.trimmingCharacters(in: .whitespaces)
      } ?? ""
    guard !token.isEmpty else {
      throw ShoalError(.invalidValue, "the token file \(path) is empty")
    }
    return token
  }

  /// The token in `path`, or a new random one written there (mode 0600, folders made).
  public static func readOrCreate(_ path: String) throws -> String {
    if FileManager.default.fileExists(atPath: path) { return try read(path) }
    let token = generate()
    try write(token, to: path)
    return token
  }

  /// Writes `token` to a new file at `path` (mode 0600, folders made with 0700).
  public static func write(_ token: String, to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    if !folder.isEmpty {
      try FileManager.default.createDirectory(
        atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
    guard
      FileManager.default.createFile(
        atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
    else {
      throw ShoalError(.invalidValue, "cannot write the token file \(path)")
    }
  }

  /// 32 random bytes as 64 hex digits.
  public static func generate() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in
      String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
    }.joined()
  }
}
