/// Where the scheduler listens, and the address remote workers use to reach it.
///
/// The scheduler listens on 127.0.0.1 by default, which no other host can reach.
/// `scheduler_options: {host: 0.0.0.0}` (or one of this machine's addresses) makes it
/// listen where the hosts can reach it; `address` says what the workers dial when
/// that is not the listen address (NAT, a DNS name, a wildcard listen address).
package struct SchedulerSettings: Sendable, Hashable {
  /// The address to bind; nil keeps the core's default (127.0.0.1).
  package var listenHost: String?
  /// The port to bind; nil keeps the core's default (any free port).
  package var listenPort: Int?
  /// The host workers dial; nil derives it from the listen address.
  package var advertisedHost: String?
  /// The port workers dial; nil means the scheduler's actual port.
  package var advertisedPort: Int?

  package init(
    listenHost: String? = nil, listenPort: Int? = nil, advertisedHost: String? = nil,
    advertisedPort: Int? = nil
  ) {
    self.listenHost = listenHost
    self.listenPort = listenPort
    self.advertisedHost = advertisedHost
    self.advertisedPort = advertisedPort
  }

  /// The address workers dial, given the scheduler's actual address
  /// (`tcp://127.0.0.1:40123`).
  package func workerAddress(actual: String) -> String {
    let parsed = SchedulerSettings.parse(actual)
    let port = advertisedPort.flatMap { $0 == 0 ? nil : $0 } ?? parsed?.port ?? 0
    var host = advertisedHost ?? parsed?.host ?? "127.0.0.1"
    if advertisedHost == nil, let listenHost, !SchedulerSettings.isWildcard(listenHost) {
      host = listenHost
    }
    return "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
  }

  /// Whether `host` is a wildcard bind address (`0.0.0.0`, `::`).
  package static func isWildcard(_ host: String) -> Bool {
    host == "0.0.0.0" || host == "::" || host == "[::]"
  }

  /// Whether `host` is a loopback address or `localhost`.
  package static func isLoopback(_ host: String) -> Bool {
    host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
  }

  /// `tcp://HOST:PORT`, `HOST:PORT`, `[V6]:PORT` or `HOST` -> (host, port?); nil when malformed.
  package static func parse(_ text: String) -> (host: String, port: Int?)? {
    var rest = Substring(text)
    if rest.hasPrefix("tcp://") { rest = rest.dropFirst(6) }
    guard !rest.isEmpty, !rest.contains("/") else { return nil }
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else { return nil }
      let host = String(rest[rest.index(after: rest.startIndex)..<close])
      let after = rest[rest.index(after: close)...]
      if after.isEmpty { return (host, nil) }
      guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (0...65535).contains(port)
      else { return nil }
      return (host, port)
    }
    let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
    switch parts.count {
    case 1: return (String(parts[0]), nil)
    case 2:
      guard !parts[0].isEmpty, let port = Int(parts[1]), (0...65535).contains(port) else {
        return nil
      }
      return (String(parts[0]), port)
    default:
      return nil
    }
  }
}
