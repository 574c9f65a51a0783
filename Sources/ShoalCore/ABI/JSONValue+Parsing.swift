extension JSONValue {
  /// Why bytes are not JSON, and where.
  public struct ParseError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The byte offset.
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
  }

  /// The deepest nesting accepted: anything a plugin sends is untrusted.
  public static let maximumDepth = 64

  /// Parses `bytes` (one JSON value, UTF-8).
  public init(parsing bytes: some Collection<UInt8>) throws(ParseError) {
    var parser = Parser(bytes: Array(bytes))
    self = try parser.value(depth: 0)
    parser.skipSpace()
    if parser.index != parser.bytes.count { throw parser.fail("unexpected data after the value") }
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0

    func fail(_ message: String) -> ParseError { ParseError(message: message, offset: index) }

    mutating func skipSpace() {
      while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) throws(ParseError) -> JSONValue {
      guard depth < JSONValue.maximumDepth else { throw fail("nested too deeply") }
      skipSpace()
      guard index < bytes.count else { throw fail("unexpected end") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "n"): try literal("null"); return .null
      default: return .number(try number())
      }
    }

    mutating func literal(_ word: String) throws(ParseError) {
      let expected = Array(word.utf8)
      guard index + expected.count <= bytes.count,
        Array(bytes[index..<index + expected.count]) == expected
      else { throw fail("invalid literal") }
      index += expected.count
    }

    mutating func number() throws(ParseError) -> String {
      let start = index
      while index < bytes.count,
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
          || [
            UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"),
            UInt8(ascii: "E"),
          ].contains(bytes[index])
      {
        index += 1
      }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      guard !text.isEmpty, Double(text) != nil else {
        index = start
        throw fail("invalid value")
      }
      return text
    }

    mutating func string() throws(ParseError) -> String {
      index += 1
      var out: [UInt8] = []
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""):
          guard let text = String(validating: out, as: UTF8.self) else {
            throw fail("string is not UTF-8")
          }
          return text
        case UInt8(ascii: "\\"):
          guard index < bytes.count else { throw fail("unexpected end") }
          let escape = bytes[index]
          index += 1
          switch escape {
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar), index + 6 <= bytes.count,
              bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            {
              index += 2
              let low = try hex4()
              scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
            out += Array(String(Character(unicode)).utf8)
          default: out.append(escape)
          }
        case 0..<0x20: throw fail("control character in string")
        default: out.append(byte)
        }
      }
      throw fail("unterminated string")
    }

    mutating func hex4() throws(ParseError) -> UInt32 {
      guard index + 4 <= bytes.count,
        let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
      else { throw fail("invalid \\u escape") }
      index += 4
      return value
    }

    mutating func array(depth: Int) throws(ParseError) -> JSONValue {
      index += 1
      var items: [JSONValue] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      }
      while true {
        items.append(try value(depth: depth + 1))
        skipSpace()
        guard index < bytes.count else { throw fail("unterminated array") }
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "]") { return .array(items) }
        guard byte == UInt8(ascii: ",") else { throw fail("expected `,` or `]`") }
      }
    }

    mutating func object(depth: Int) throws(ParseError) -> JSONValue {
      index += 1
      var members: [(key: String, value: JSONValue)] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(members)
      }
      while true {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
          throw fail("expected a key")
        }
        let key = try string()
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
          throw fail("expected `:`")
        }
        index += 1
        members.append((key, try value(depth: depth + 1)))
        skipSpace()
        guard index < bytes.count else { throw fail("unterminated object") }
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "}") { return .object(members) }
        guard byte == UInt8(ascii: ",") else { throw fail("expected `,` or `}`") }
      }
    }
  }
}
