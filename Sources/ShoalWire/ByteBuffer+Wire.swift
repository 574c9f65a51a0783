import NIOCore

// The primitive encodings every message is built from. All integers are big-endian.
//
//     string, bytes:  +--------------+-------------+
//                     | count UInt32 | count bytes |   (strings are UTF-8)
//                     +--------------+-------------+
//     optional:       +------------+---------+
//                     | 0 | 1 UInt8| value?  |
//                     +------------+---------+
//     list, map:      count UInt32, then the items (a map's as key, value)

extension ByteBuffer {
  @inlinable
  mutating func writeWireString(_ string: String) {
    // A native string knows its UTF-8 count: no placeholder to patch afterwards.
    writeInteger(UInt32(string.utf8.count))
    writeString(string)
  }

  @inlinable
  mutating func writeWireBytes(_ bytes: [UInt8]) {
    writeInteger(UInt32(bytes.count))
    writeBytes(bytes)
  }

  @inlinable
  mutating func writeWireOptionalString(_ string: String?) {
    if let string {
      writeInteger(UInt8(1))
      writeWireString(string)
    } else {
      writeInteger(UInt8(0))
    }
  }

  @inlinable
  mutating func writeWireStringMap(_ map: [String: String]) {
    writeInteger(UInt32(map.count))
    // Sorted so that the same map always encodes to the same bytes.
    for key in map.keys.sorted() {
      writeWireString(key)
      writeWireString(map[key]!)
    }
  }

  mutating func readWireInteger<T: FixedWidthInteger>(as type: T.Type = T.self, _ field: String)
    throws -> T
  {
    guard let value = readInteger(as: T.self) else {
      throw WireError(.malformed, "the payload ends inside `\(field)`")
    }
    return value
  }

  mutating func readWireCount(_ field: String) throws -> Int {
    let count = Int(try readWireInteger(as: UInt32.self, field))
    // Every item takes at least one byte, so a count beyond the bytes left is a lie.
    guard count <= readableBytes else {
      throw WireError(
        .malformed, "`\(field)` announces \(count) items but only \(readableBytes) bytes follow")
    }
    return count
  }

  mutating func readWireString(_ field: String) throws -> String {
    let count = Int(try readWireInteger(as: UInt32.self, field))
    guard let string = readString(length: count) else {
      throw WireError(.malformed, "the payload ends inside `\(field)`")
    }
    return string
  }

  mutating func readWireBytes(_ field: String) throws -> [UInt8] {
    let count = Int(try readWireInteger(as: UInt32.self, field))
    guard let bytes = readBytes(length: count) else {
      throw WireError(.malformed, "the payload ends inside `\(field)`")
    }
    return bytes
  }

  mutating func readWireFlag(_ field: String) throws -> Bool {
    switch try readWireInteger(as: UInt8.self, field) {
    case 0: return false
    case 1: return true
    case let other: throw WireError(.malformed, "`\(field)` holds \(other), expected 0 or 1")
    }
  }

  mutating func readWireOptionalString(_ field: String) throws -> String? {
    try readWireFlag(field) ? try readWireString(field) : nil
  }

  mutating func readWireStringMap(_ field: String) throws -> [String: String] {
    let count = try readWireCount(field)
    var map: [String: String] = [:]
    map.reserveCapacity(count)
    for _ in 0..<count {
      let key = try readWireString(field)
      map[key] = try readWireString(field)
    }
    return map
  }

  mutating func readWireStrings(_ field: String) throws -> [String] {
    let count = try readWireCount(field)
    var strings: [String] = []
    strings.reserveCapacity(count)
    for _ in 0..<count { strings.append(try readWireString(field)) }
    return strings
  }
}
