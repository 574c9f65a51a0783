import Foundation
import ShoalCore

/// A scheduler's address: `tcp://HOST:PORT` (the `tcp://` may be left out; an IPv6
/// host goes in brackets, `tcp://[::1]:8786`).
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

  /// Parses `text`, or throws an `invalid_value` error that shows the expected form.
  public init(parsing text: String) throws {
    func malformed(_ why: String) -> ShoalError {
      ShoalError(
        .invalidValue, "malformed scheduler address `\(text)`: \(why)",
        hint: "write it as tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786")
    }
    var rest = Substring(text.trimmingCharacters(in: .whitespaces))
    if let scheme = rest.range(of: "://") {
      guard rest[..<scheme.lowerBound] == "tcp" else {
        throw malformed("only tcp:// is supported")
      }
      rest = rest[scheme.upperBound...]
    }
    let host: Substring
    let portText: Substring
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]"),
        rest[rest.index(after: close)...].hasPrefix(":")
      else { throw malformed("expected [IPV6]:PORT") }
      host = rest[rest.index(after: rest.startIndex)..<close]
      portText = rest[rest.index(close, offsetBy: 2)...]
    } else {
      guard let colon = rest.lastIndex(of: ":") else { throw malformed("no port") }
      host = rest[..<colon]
      portText = rest[rest.index(after: colon)...]
    }
    guard !host.isEmpty, !host.contains("/") else { throw malformed("no host") }
    guard let port = Int(portText), (1...65535).contains(port) else {
      throw malformed("the port must be a number from 1 to 65535")
    }
    self.host = String(host)
    self.port = port
  }

  /// `tcp://HOST:PORT`.
  public var description: String {
    host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
  }
}
