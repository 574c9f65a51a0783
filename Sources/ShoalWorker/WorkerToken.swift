#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Finds the scheduler's token for a worker: `--token-file F` (`-`: the first line of
/// stdin), then `$SHOAL_TOKEN`, then the file `shoal scheduler` writes by default.
/// The token never appears on a command line.
public enum WorkerToken {
  /// The token, or an error that says where it was looked for.
  public static func resolve(file: String?, environment: [String: String]) throws(WorkerError)
    -> String
  {
    if let file {
      if file == "-" {
        guard let line = readLine(strippingNewline: true), !trim(line).isEmpty else {
          throw WorkerError(.noToken, "--token-file -: no token on the first line of stdin")
        }
        return trim(line)
      }
      guard let text = readFile(file) else {
        throw WorkerError(.noToken, "--token-file \(file): cannot read the file (\(String(cString: strerror(errno))))")
      }
      let token = trim(text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? "")
      guard !token.isEmpty else { throw WorkerError(.noToken, "--token-file \(file): the file is empty") }
      return token
    }
    if let token = environment["SHOAL_TOKEN"].map(trim), !token.isEmpty { return token }
    if let path = defaultFile(environment: environment), let text = readFile(path) {
      let token = trim(text.split(separator: "\n").first.map(String.init) ?? "")
      if !token.isEmpty { return token }
    }
    throw WorkerError(
      .noToken,
      "no token: pass --token-file FILE (or `-` for stdin), or set SHOAL_TOKEN; "
        + "`shoal scheduler` writes its token to \(defaultFile(environment: environment) ?? "its --token-file")")
  }

  /// The token file `shoal scheduler` writes when given no `--token-file`.
  public static func defaultFile(environment: [String: String]) -> String? {
    if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/shoal/token" }
    if let home = environment["HOME"], !home.isEmpty { return home + "/.local/state/shoal/token" }
    return nil
  }

  static func trim(_ text: String) -> String {
    String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
  }

  static func readFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = fread(&buffer, 1, buffer.count, file)
      if count <= 0 { break }
      bytes.append(contentsOf: buffer[0..<count])
      if bytes.count > 1 << 20 { break }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
