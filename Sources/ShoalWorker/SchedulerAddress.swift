/// Where a scheduler listens: `tcp://HOST:PORT` (the `address:` line that `shoal
/// scheduler` prints). `HOST:PORT` without the scheme is accepted too; an IPv6 host
/// goes in brackets (`tcp://[::1]:8786`).
public struct SchedulerAddress: Sendable, Hashable, CustomStringConvertible {
  /// The host name or IP address.
  public var host: String
  /// The TCP port.
  public var port: Int

  /// An address.
  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  /// Parses `tcp://HOST:PORT` or `HOST:PORT`.
  public init(parsing text: String) throws(WorkerError) {
    func invalid(_ why: String) -> WorkerError {
      WorkerError(
        .invalidAddress,
        "invalid scheduler address `\(text)`: \(why); expected tcp://HOST:PORT, as printed by `shoal scheduler`"
      )
    }
    var rest = Substring(text)
    if let scheme = rest.firstRange(of: "://") {
      guard rest[..<scheme.lowerBound] == "tcp" else {
        throw invalid("the scheme must be tcp, not `\(rest[..<scheme.lowerBound])`")
      }
      rest = rest[scheme.upperBound...]
    }
    if rest.hasSuffix("/") { rest = rest.dropLast() }
    let host: Substring
    let portText: Substring
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else { throw invalid("an unclosed `[`") }
      host = rest[rest.index(after: rest.startIndex)..<close]
      let after = rest[rest.index(after: close)...]
      guard after.hasPrefix(":") else { throw invalid("no port") }
      portText = after.dropFirst()
    } else {
      guard let colon = rest.lastIndex(of: ":") else { throw invalid("no port") }
      host = rest[..<colon]
      portText = rest[rest.index(after: colon)...]
    }
    guard !host.isEmpty else { throw invalid("no host") }
    guard !host.contains(where: { $0 == "/" || $0 == " " || $0 == "@" }) else {
      throw invalid("`\(host)` is not a host name")
    }
    guard let port = Int(portText), (1...65535).contains(port) else {
      throw invalid("the port must be a number from 1 to 65535, found `\(portText)`")
    }
    self.host = String(host)
    self.port = port
  }

  /// `tcp://HOST:PORT`.
  public var description: String {
    host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
  }
}
