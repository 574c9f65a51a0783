import ShoalCore

/// A `Kwargs` node as JSON: mappings become objects, lists arrays, null null, and
/// unquoted scalars that read as integers, numbers or `true`/`false` become those;
/// everything else is a string.
public struct KwargsJSON: Encodable, Sendable {
  /// The node.
  public var node: Kwargs

  /// The JSON form of `node`.
  public init(_ node: Kwargs) { self.node = node }

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: any Encoder) throws {
    switch node.value {
    case .null:
      var container = encoder.singleValueContainer()
      try container.encodeNil()
    case .scalar(let text, let quoted):
      var container = encoder.singleValueContainer()
      if !quoted, let integer = Int(text) {
        try container.encode(integer)
      } else if !quoted, let number = Double(text), number.isFinite {
        try container.encode(number)
      } else if !quoted, text == "true" || text == "false" {
        try container.encode(text == "true")
      } else {
        try container.encode(text)
      }
    case .list(let items):
      var container = encoder.unkeyedContainer()
      for item in items { try container.encode(KwargsJSON(item)) }
    case .map(let entries):
      var container = encoder.container(keyedBy: Key.self)
      for entry in entries {
        try container.encode(KwargsJSON(entry.value), forKey: Key(stringValue: entry.key))
      }
    }
  }
}
