/// A configuration value (`cluster_kwargs`, `adapt_kwargs`, ...) as the user wrote it,
/// with the key path and file position of every node, so that any error found while
/// decoding it can say exactly where it is.
///
/// Scalars keep their source text: `yes` stays the string "yes" until a backend asks
/// for a `Bool` (YAML 1.1's eager booleans never surprise a backend that wants a
/// string). Build values in code with literals: `["n_workers": 2, "env": ["A": "1"]]`.
public struct Kwargs: Sendable, CustomStringConvertible {
  /// The shape of a node.
  public indirect enum Shape: Sendable {
    /// An explicit null (`~`, `null`) or an empty value.
    case null
    /// A scalar with its source text; `quoted` when the user quoted it.
    case scalar(String, quoted: Bool)
    /// A sequence.
    case list([Kwargs])
    /// A mapping, in source order, with each key's own position.
    case map([(key: String, keyLocation: SourceLocation?, value: Kwargs)])
  }

  /// The node's shape and content.
  public var value: Shape
  /// Where the node is in the user's file, when it came from one.
  public var location: SourceLocation?
  /// The node's key path from the configuration root (`clusters.lab.cluster_kwargs`).
  public var path: String

  /// A node with an explicit value, position and key path.
  public init(_ value: Shape, location: SourceLocation? = nil, path: String = "") {
    self.value = value
    self.location = location
    self.path = path
  }

  /// An empty mapping.
  public static func empty(path: String = "") -> Kwargs { Kwargs(.map([]), path: path) }

  /// Whether the node is a mapping.
  public var isMap: Bool { if case .map = value { return true } else { return false } }

  /// Whether the node is null.
  public var isNull: Bool { if case .null = value { return true } else { return false } }

  /// The keys of a mapping, in source order; empty for other nodes.
  public var keys: [String] {
    guard case .map(let entries) = value else { return [] }
    for entry in entries { KwargsAudit.record(Kwargs.join(path, entry.key)) }
    return entries.map(\.key)
  }

  /// The child at `key` of a mapping.
  public subscript(key: String) -> Kwargs? {
    guard case .map(let entries) = value else { return nil }
    KwargsAudit.record(Kwargs.join(path, key))
    return entries.first(where: { $0.key == key })?.value
  }

  /// A copy with every node's path re-rooted under `prefix` (`clusters.x.cluster_kwargs`).
  public func rooted(at prefix: String) -> Kwargs {
    var copy = self
    copy.path = prefix
    switch value {
    case .null, .scalar: break
    case .list(let items):
      copy.value = .list(items.enumerated().map { $1.rooted(at: "\(prefix)[\($0)]") })
    case .map(let entries):
      copy.value = .map(
        entries.map { ($0.key, $0.keyLocation, $0.value.rooted(at: Kwargs.join(prefix, $0.key))) })
    }
    return copy
  }

  /// A short name of the node's kind for error messages ("a mapping", "a list").
  public var kindDescription: String {
    switch value {
    case .null: return "null"
    case .scalar(let text, _): return "\"\(text)\""
    case .list: return "a list"
    case .map: return "a mapping"
    }
  }

  /// A plain rendering (JSON-like), for logs and `shoal clusters show`.
  public var description: String {
    switch value {
    case .null: return "null"
    case .scalar(let text, let quoted): return quoted ? "\"\(text)\"" : text
    case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
    case .map(let entries):
      return "{" + entries.map { "\($0.key): \($0.value.description)" }.joined(separator: ", ")
        + "}"
    }
  }

  /// `prefix.key`, or `key` at the root.
  public static func join(_ prefix: String, _ key: String) -> String {
    prefix.isEmpty ? key : "\(prefix).\(key)"
  }

  /// An error about this node, carrying its position and key path.
  public func error(
    _ message: String, code: ShoalError.Code = .invalidValue, hint: String? = nil
  ) -> ShoalError {
    ShoalError(code, message, location: location, keyPath: path, hint: hint)
  }

  /// A copy of this mapping with `key` set to `child` (appended when absent).
  public func setting(_ key: String, to child: Kwargs) -> Kwargs {
    var entries: [(key: String, keyLocation: SourceLocation?, value: Kwargs)] = []
    if case .map(let existing) = value { entries = existing }
    let node = child.rooted(at: Kwargs.join(path, key))
    if let index = entries.firstIndex(where: { $0.key == key }) {
      entries[index].value = node
    } else {
      entries.append((key, nil, node))
    }
    var copy = self
    copy.value = .map(entries)
    return copy
  }
}

extension Kwargs: ExpressibleByDictionaryLiteral {
  public typealias Key = String
  public typealias Value = Kwargs
  public init(dictionaryLiteral elements: (String, Kwargs)...) {
    self.init(.map(elements.map { (key: $0.0, keyLocation: nil, value: $0.1) }))
    self = rooted(at: "")
  }
}

extension Kwargs: ExpressibleByArrayLiteral {
  public init(arrayLiteral elements: Kwargs...) {
    self.init(.list(elements))
    self = rooted(at: "")
  }
}

extension Kwargs: ExpressibleByStringLiteral {
  public init(stringLiteral value: String) { self.init(.scalar(value, quoted: true)) }
}

extension Kwargs: ExpressibleByIntegerLiteral {
  public init(integerLiteral value: Int) { self.init(.scalar(String(value), quoted: false)) }
}

extension Kwargs: ExpressibleByFloatLiteral {
  public init(floatLiteral value: Double) { self.init(.scalar(String(value), quoted: false)) }
}

extension Kwargs: ExpressibleByBooleanLiteral {
  public init(booleanLiteral value: Bool) { self.init(.scalar(String(value), quoted: false)) }
}

extension Kwargs: ExpressibleByNilLiteral {
  public init(nilLiteral: ()) { self.init(.null) }
}
