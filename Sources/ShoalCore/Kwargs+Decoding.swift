extension Kwargs {
  /// Decodes this node into `T`, reporting every problem with its key path and
  /// position: a wrong type (`expected an integer, found "four"`), a missing key,
  /// and any key that `T` does not read (`unknown key `thread_per_worker`; did you
  /// mean `threads_per_worker`?`).
  ///
  /// The keys a `Decodable` type reads are its accepted keys: a synthesized
  /// `init(from:)` asks for each of its properties, so declaring the options struct
  /// is declaring the keys. A `DecodingError` thrown by hand-written validation is
  /// mapped back to the node its coding path names.
  public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
    KwargsAudit.record(path)
    let usage = KeyUsage()
    let value: T
    do {
      value = try T(from: KwargsDecoder(node: self, usage: usage, codingPath: []))
    } catch let error as DecodingError {
      throw translate(error)
    }
    try usage.checkUnknownKeys()
    return value
  }

  /// The node a coding path leads to, or the deepest existing node on it.
  func node(at codingPath: [any CodingKey]) -> Kwargs {
    var node = self
    for key in codingPath {
      if let index = key.intValue, case .list(let items) = node.value, index < items.count {
        node = items[index]
      } else if let child = node[key.stringValue] {
        node = child
      } else {
        break
      }
    }
    return node
  }

  private func translate(_ error: DecodingError) -> ShoalError {
    switch error {
    case .typeMismatch(_, let context), .valueNotFound(_, let context),
      .dataCorrupted(let context):
      return node(at: context.codingPath).error(context.debugDescription, code: .invalidValue)
    case .keyNotFound(let key, let context):
      return node(at: context.codingPath).error(
        "missing required key `\(key.stringValue)`", code: .missingKey)
    @unknown default:
      return self.error("\(error)")
    }
  }
}

extension Decoder {
  /// The configuration node being decoded, when decoding from `Kwargs`; lets a
  /// hand-written `init(from:)` throw `node.error(...)` with the right position.
  public var kwargsNode: Kwargs? { (self as? KwargsDecoder)?.node }
}

/// Which keys each decoded mapping was asked for, to find the ones nobody read.
final class KeyUsage {
  private var maps: [(node: Kwargs, requested: Set<String>)] = []
  private var indexByPath: [String: Int] = [:]

  func opened(_ node: Kwargs) {
    if indexByPath[node.path] == nil {
      indexByPath[node.path] = maps.count
      maps.append((node, []))
    }
  }

  func requested(_ key: String, in node: Kwargs) {
    KwargsAudit.record(Kwargs.join(node.path, key))
    opened(node)
    maps[indexByPath[node.path]!].requested.insert(key)
  }

  func checkUnknownKeys() throws {
    for (node, requested) in maps {
      guard case .map(let entries) = node.value else { continue }
      for entry in entries where !requested.contains(entry.key) {
        let accepted = requested.sorted()
        throw ShoalError(
          .unknownKey,
          "unknown key `\(entry.key)`" + Suggestion.didYouMean(entry.key, in: accepted),
          location: entry.keyLocation ?? entry.value.location ?? node.location,
          keyPath: node.path,
          hint: accepted.isEmpty
            ? nil : "accepted keys: " + accepted.map { "`\($0)`" }.joined(separator: ", "))
      }
    }
  }
}

struct KwargsDecoder: Decoder {
  let node: Kwargs
  let usage: KeyUsage
  var codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    if node.isNull {
      usage.opened(Kwargs(.map([]), location: node.location, path: node.path))
      return KeyedDecodingContainer(
        KeyedKwargs<Key>(
          node: Kwargs(.map([]), location: node.location, path: node.path), usage: usage,
          codingPath: codingPath))
    }
    guard node.isMap else {
      throw node.error("expected a mapping, found \(node.kindDescription)", code: .typeMismatch)
    }
    usage.opened(node)
    return KeyedDecodingContainer(
      KeyedKwargs<Key>(node: node, usage: usage, codingPath: codingPath))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    guard case .list(let items) = node.value else {
      throw node.error("expected a list, found \(node.kindDescription)", code: .typeMismatch)
    }
    return UnkeyedKwargs(items: items, usage: usage, codingPath: codingPath)
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer {
    ScalarKwargs(node: node, usage: usage, codingPath: codingPath)
  }
}

private struct IndexKey: CodingKey {
  var stringValue: String { "[\(intValue!)]" }
  var intValue: Int?
  init(_ index: Int) { intValue = index }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { self.intValue = intValue }
}

private struct KeyedKwargs<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let node: Kwargs
  let usage: KeyUsage
  let codingPath: [any CodingKey]

  var allKeys: [Key] { node.keys.compactMap { Key(stringValue: $0) } }

  func contains(_ key: Key) -> Bool {
    usage.requested(key.stringValue, in: node)
    return node[key.stringValue] != nil
  }

  private func child(_ key: Key) throws -> Kwargs {
    usage.requested(key.stringValue, in: node)
    guard let child = node[key.stringValue] else {
      throw node.error("missing required key `\(key.stringValue)`", code: .missingKey)
    }
    return child
  }

  private func decoder(_ key: Key) throws -> KwargsDecoder {
    KwargsDecoder(node: try child(key), usage: usage, codingPath: codingPath + [key])
  }

  func decodeNil(forKey key: Key) throws -> Bool {
    usage.requested(key.stringValue, in: node)
    guard let child = node[key.stringValue] else { return true }
    return ScalarKwargs.isNull(child)
  }

  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try ScalarKwargs(node: try child(key), usage: usage, codingPath: codingPath + [key]).decode(
      T.self)
  }

  func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
    usage.requested(key.stringValue, in: node)
    guard let child = node[key.stringValue], !ScalarKwargs.isNull(child) else { return nil }
    return try ScalarKwargs(node: child, usage: usage, codingPath: codingPath + [key]).decode(
      T.self)
  }

  func nestedContainer<NestedKey: CodingKey>(
    keyedBy type: NestedKey.Type, forKey key: Key
  ) throws -> KeyedDecodingContainer<NestedKey> {
    try decoder(key).container(keyedBy: type)
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    try decoder(key).unkeyedContainer()
  }

  func superDecoder() throws -> any Decoder {
    KwargsDecoder(node: node, usage: usage, codingPath: codingPath)
  }

  func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(key) }
}

private struct UnkeyedKwargs: UnkeyedDecodingContainer {
  let items: [Kwargs]
  let usage: KeyUsage
  let codingPath: [any CodingKey]
  var currentIndex = 0

  init(items: [Kwargs], usage: KeyUsage, codingPath: [any CodingKey]) {
    self.items = items
    self.usage = usage
    self.codingPath = codingPath
  }

  var count: Int? { items.count }
  var isAtEnd: Bool { currentIndex >= items.count }

  private mutating func next() throws -> ScalarKwargs {
    guard !isAtEnd else {
      throw DecodingError.valueNotFound(
        Any.self, .init(codingPath: codingPath, debugDescription: "list has too few items"))
    }
    defer { currentIndex += 1 }
    return ScalarKwargs(
      node: items[currentIndex], usage: usage, codingPath: codingPath + [IndexKey(currentIndex)])
  }

  mutating func decodeNil() throws -> Bool {
    guard !isAtEnd, ScalarKwargs.isNull(items[currentIndex]) else { return false }
    currentIndex += 1
    return true
  }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(T.self) }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy type: NestedKey.Type
  ) throws -> KeyedDecodingContainer<NestedKey> {
    try next().decoder.container(keyedBy: type)
  }

  mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
    try next().decoder.unkeyedContainer()
  }

  mutating func superDecoder() throws -> any Decoder { try next().decoder }
}

/// Decodes scalars from their source text, and anything else through a nested decoder.
private struct ScalarKwargs: SingleValueDecodingContainer {
  let node: Kwargs
  let usage: KeyUsage
  let codingPath: [any CodingKey]

  var decoder: KwargsDecoder { KwargsDecoder(node: node, usage: usage, codingPath: codingPath) }

  static func isNull(_ node: Kwargs) -> Bool {
    switch node.value {
    case .null: return true
    case .scalar(let text, let quoted): return !quoted && (text == "~" || text == "null")
    default: return false
    }
  }

  func decodeNil() -> Bool { Self.isNull(node) }

  private func text(expected: String) throws -> String {
    guard case .scalar(let text, _) = node.value else {
      throw node.error("expected \(expected), found \(node.kindDescription)", code: .typeMismatch)
    }
    return text
  }

  private func convert<T>(_ expected: String, _ parse: (String) -> T?) throws -> T {
    let text = try text(expected: expected)
    guard let value = parse(text.trimmingSpaces) else {
      throw node.error("expected \(expected), found \"\(text)\"", code: .typeMismatch)
    }
    return value
  }

  func decode(_ type: String.Type) throws -> String { try text(expected: "a string") }
  func decode(_ type: Bool.Type) throws -> Bool {
    try convert("a boolean (true or false)") {
      switch $0.lowercased() {
      case "true", "yes", "on": return true
      case "false", "no", "off": return false
      default: return nil
      }
    }
  }
  func decode(_ type: Double.Type) throws -> Double {
    try convert("a finite number") { Double($0).flatMap { $0.isFinite ? $0 : nil } }
  }
  func decode(_ type: Float.Type) throws -> Float {
    try convert("a finite number") { Float($0).flatMap { $0.isFinite ? $0 : nil } }
  }
  func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
  func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
  func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
  func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
  func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
  func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }

  /// An integer of type `T`; digits that do not fit say so and state `T`'s range.
  private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
    let expected = T.isSigned ? "an integer" : "a non-negative integer"
    let text = try text(expected: expected)
    let trimmed = text.trimmingSpaces
    if let value = T(trimmed) { return value }
    var digits = Substring(trimmed)
    if digits.first == "-" || digits.first == "+" { digits.removeFirst() }
    if !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
      throw node.error(
        "\(trimmed) is out of range: expected \(expected) from \(T.min) to \(T.max)",
        code: .invalidValue)
    }
    throw node.error("expected \(expected), found \"\(text)\"", code: .typeMismatch)
  }
  func decode<T: Decodable>(_ type: T.Type) throws -> T {
    switch type {
    case is String.Type: return try decode(String.self) as! T
    case is Bool.Type: return try decode(Bool.self) as! T
    case is Int.Type: return try decode(Int.self) as! T
    case is Double.Type: return try decode(Double.self) as! T
    default: return try T(from: decoder)
    }
  }
}

extension String {
  fileprivate var trimmingSpaces: String {
    var slice = Substring(self)
    while slice.first == " " { slice.removeFirst() }
    while slice.last == " " { slice.removeLast() }
    return String(slice)
  }
}
