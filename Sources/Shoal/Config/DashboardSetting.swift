import ShoalCore

/// Where a cluster's dashboard (its page, `/metrics` and event stream) listens:
/// `dashboard: {address: 127.0.0.1:8787}` in clusters.yaml, `:0` for any free port,
/// `false` for none. Loopback and a free port unless told otherwise.
public struct DashboardSetting: Sendable, Hashable, CustomStringConvertible {
  /// The interface.
  public var host: String
  /// The port; 0 picks a free one.
  public var port: Int

  /// A setting.
  public init(host: String = "127.0.0.1", port: Int = 0) {
    self.host = host
    self.port = port
  }

  /// The default: loopback, any free port.
  public static let standard = DashboardSetting()

  /// Whether only this machine can reach it (127.0.0.0/8, ::1, localhost). Any other
  /// address serves only requests that present the cluster's token.
  public var isLoopback: Bool {
    host == "localhost" || host == "::1" || host.hasPrefix("127.")
  }

  /// `HOST:PORT` (IPv6 hosts in brackets).
  public var description: String {
    (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
  }

  /// Parses `HOST:PORT`, `[V6]:PORT` or `:PORT` (loopback); nil when it is none of them.
  public static func parse(_ text: String) -> DashboardSetting? {
    guard let colon = text.lastIndex(of: ":"),
      let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
    else { return nil }
    var host = String(text[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    if host.isEmpty { host = "127.0.0.1" }
    guard !host.contains("/"), !host.contains(" "), host.contains(":") == text.hasPrefix("[")
    else { return nil }
    return DashboardSetting(host: host, port: port)
  }

  /// Reads the `dashboard` key of a cluster: `false` (nil: off), `true` (the default),
  /// or a mapping with `address`. Errors carry the node's position.
  static func parse(node: Kwargs) throws -> DashboardSetting? {
    let hint =
      "write `dashboard: {address: 127.0.0.1:8787}` (`:0` for any free port) or `dashboard: false`"
    if case .scalar(let text, let quoted) = node.value, !quoted {
      switch text.lowercased() {
      case "false", "off", "no": return nil
      case "true", "on", "yes": return .standard
      default: break
      }
    }
    guard node.isMap else {
      throw node.error(
        "expected a mapping with `address`, or false, found \(node.kindDescription)",
        code: .typeMismatch, hint: hint)
    }
    try ConfigParser.checkKeys(of: node, accepted: ["address"])
    guard let addressNode = node["address"] else { return .standard }
    let text = try addressNode.decode(String.self)
    guard let setting = parse(text) else {
      throw addressNode.error(
        "expected `HOST:PORT` with a port in 0...65535, found \"\(text)\"", code: .invalidValue,
        hint: hint)
    }
    return setting
  }
}
