/// How `cluster_kwargs` cross the plugin boundary: as plain JSON, relative to
/// `cluster_kwargs` itself, while the core keeps the YAML nodes and their positions.
///
/// Core → plugin: an unquoted integer (`2`, `-3`) becomes a JSON number, unquoted
/// `true`/`false` a JSON bool, a YAML null (`~`, `null`, nothing) JSON null, and
/// every other scalar a JSON string holding the text as written (so YAML 1.1's
/// `yes` stays the string "yes" until a backend asks for a `Bool`).
///
/// Plugin → core: an error names the node by its key path relative to
/// `cluster_kwargs`; the core turns it into `file:line:col` and the full key path.
extension Kwargs {
  /// This node as the JSON a plugin receives.
  public var abiJSON: JSONValue {
    switch value {
    case .null: return .null
    case .scalar(let text, let quoted):
      if !quoted {
        if text == "true" || text == "false" { return .bool(text == "true") }
        if Kwargs.isCanonicalInteger(text) { return .number(text) }
      }
      return .string(text)
    case .list(let items): return .array(items.map(\.abiJSON))
    case .map(let entries): return .object(entries.map { ($0.key, $0.value.abiJSON) })
    }
  }

  /// `-?(0|[1-9][0-9]*)` that fits an `Int`.
  static func isCanonicalInteger(_ text: String) -> Bool {
    let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
    guard let first = digits.first, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber)
    else { return false }
    return (first != "0" || digits.count == 1) && Int(text) != nil
  }

  /// The node a plugin received as `json`, rooted at `path` (plugin side).
  ///
  /// Every node carries a stand-in location that names its own key path, so that an
  /// error a backend throws through `kwargs.decode` or `node.error(...)` can be sent
  /// back as a key path; the core knows the real positions.
  public init(abiJSON json: JSONValue, path: String = "") {
    let location = Kwargs.abiLocation(path: path, atKey: false)
    switch json {
    case .null: self.init(.null, location: location, path: path)
    case .bool(let value):
      self.init(.scalar(value ? "true" : "false", quoted: false), location: location, path: path)
    case .number(let text): self.init(.scalar(text, quoted: false), location: location, path: path)
    case .string(let text): self.init(.scalar(text, quoted: true), location: location, path: path)
    case .array(let items):
      self.init(
        .list(items.enumerated().map { Kwargs(abiJSON: $1, path: "\(path)[\($0)]") }),
        location: location, path: path)
    case .object(let members):
      self.init(
        .map(
          members.map { member in
            let child = Kwargs.join(path, member.key)
            return (
              member.key, Kwargs.abiLocation(path: child, atKey: true),
              Kwargs(abiJSON: member.value, path: child)
            )
          }), location: location, path: path)
    }
  }

  /// The marker file name of stand-in locations.
  static let abiLocationFile = "\u{1}kwargs:"

  /// A stand-in location for the node (or the key) at `path`.
  static func abiLocation(path: String, atKey: Bool) -> SourceLocation {
    SourceLocation(file: abiLocationFile + path, line: atKey ? 1 : 0, column: 0)
  }

  /// The key path and whether it is the key (not the value) that a stand-in location names.
  static func abiPath(of location: SourceLocation) -> (path: String, atKey: Bool)? {
    guard location.file.hasPrefix(abiLocationFile) else { return nil }
    return (String(location.file.dropFirst(abiLocationFile.count)), location.line == 1)
  }

  /// The node at `keyPath` relative to this one (`hosts[1].user`), and the position of
  /// its key in its mapping; nil when there is no such node (core side).
  public func node(atKeyPath keyPath: String) -> (node: Kwargs, keyLocation: SourceLocation?)? {
    var node = self
    var keyLocation: SourceLocation? = nil
    for component in Kwargs.components(of: keyPath) {
      switch (component, node.value) {
      case (.index(let index), .list(let items)) where index < items.count:
        node = items[index]
        keyLocation = nil
      case (.key(let key), .map(let entries)):
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        node = entry.value
        keyLocation = entry.keyLocation
      default: return nil
      }
    }
    return (node, keyLocation)
  }

  private enum Component { case key(String), index(Int) }

  private static func components(of keyPath: String) -> [Component] {
    var result: [Component] = []
    for part in keyPath.split(separator: ".") {
      var rest = Substring(part)
      if let open = rest.firstIndex(of: "[") {
        let key = rest[..<open]
        if !key.isEmpty { result.append(.key(String(key))) }
        rest = rest[open...]
        while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
          result.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close]) ?? -1))
          rest = rest[rest.index(after: close)...]
        }
      } else {
        result.append(.key(String(rest)))
      }
    }
    return result
  }
}
