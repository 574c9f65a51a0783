// Cursors over raw memory for the hot messages (submit, assign, results): a whole batch
// of specs or results is encoded with one `ByteBuffer.writeWithUnsafeMutableBytes` and
// decoded with one `withUnsafeReadableBytes`, instead of one ByteBuffer call (each with
// its bounds, capacity and exclusivity checks) per integer, string and byte array.
// The bytes are exactly those of the field-by-field encoding in ByteBuffer+Wire.swift.

import NIOCore

/// Writes wire fields into memory reserved beforehand for exactly `capacity` bytes.
struct WireWriter {
  private let base: UnsafeMutableRawPointer
  private let capacity: Int
  /// Bytes written so far.
  private(set) var offset = 0

  /// A writer at the start of `buffer`, which must hold at least one byte.
  init(_ buffer: UnsafeMutableRawBufferPointer) {
    base = buffer.baseAddress!
    capacity = buffer.count
  }

  private func reserve(_ count: Int) {
    // The sizes are computed exactly in advance; this only guards memory safety.
    precondition(count <= capacity - offset, "wire size computed too small")
  }

  mutating func integer<T: FixedWidthInteger>(_ value: T) {
    reserve(MemoryLayout<T>.size)
    base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    offset += MemoryLayout<T>.size
  }

  private mutating func raw(_ bytes: UnsafeRawBufferPointer) {
    integer(UInt32(bytes.count))
    guard let source = bytes.baseAddress, bytes.count > 0 else { return }
    reserve(bytes.count)
    (base + offset).copyMemory(from: source, byteCount: bytes.count)
    offset += bytes.count
  }

  /// Copies the readable bytes of `buffer` as they are (no count in front).
  mutating func verbatim(_ buffer: ByteBuffer) {
    buffer.withUnsafeReadableBytes { bytes in
      guard let source = bytes.baseAddress, bytes.count > 0 else { return }
      reserve(bytes.count)
      (base + offset).copyMemory(from: source, byteCount: bytes.count)
      offset += bytes.count
    }
  }

  mutating func bytes(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw($0) }
  }

  mutating func string(_ string: String) {
    var string = string
    string.withUTF8 { raw(UnsafeRawBufferPointer($0)) }
  }

  mutating func optionalString(_ string: String?) {
    if let string {
      integer(UInt8(1))
      self.string(string)
    } else {
      integer(UInt8(0))
    }
  }
}

/// Reads wire fields from raw memory, with the checks of the ByteBuffer readers.
struct WireReader {
  private let bytes: UnsafeRawBufferPointer
  /// Bytes read so far.
  private(set) var offset = 0

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  var remaining: Int { bytes.count - offset }

  mutating func integer<T: FixedWidthInteger>(as type: T.Type = T.self, _ field: String) throws
    -> T
  {
    let size = MemoryLayout<T>.size
    guard remaining >= size else {
      throw WireError(.malformed, "the payload ends inside `\(field)`")
    }
    let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    offset += size
    return T(bigEndian: value)
  }

  mutating func count(_ field: String) throws -> Int {
    let count = Int(try integer(as: UInt32.self, field))
    // Every item takes at least one byte, so a count beyond the bytes left is a lie.
    guard count <= remaining else {
      throw WireError(
        .malformed, "`\(field)` announces \(count) items but only \(remaining) bytes follow")
    }
    return count
  }

  /// The next string or bytes field, in place.
  mutating func span(_ field: String) throws -> UnsafeRawBufferPointer {
    let count = Int(try integer(as: UInt32.self, field))
    guard count <= remaining else {
      throw WireError(.malformed, "the payload ends inside `\(field)`")
    }
    defer { offset += count }
    return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
  }

  mutating func string(_ field: String) throws -> String {
    String(decoding: try span(field), as: UTF8.self)
  }

  mutating func bytes(_ field: String) throws -> [UInt8] {
    Array(try span(field))
  }

  mutating func flag(_ field: String) throws -> Bool {
    switch try integer(as: UInt8.self, field) {
    case 0: return false
    case 1: return true
    case let other: throw WireError(.malformed, "`\(field)` holds \(other), expected 0 or 1")
    }
  }

  mutating func optionalString(_ field: String) throws -> String? {
    try flag(field) ? try string(field) : nil
  }

  mutating func stringMap(_ field: String) throws -> [String: String] {
    let count = try self.count(field)
    var map: [String: String] = [:]
    map.reserveCapacity(count)
    for _ in 0..<count {
      let key = try string(field)
      map[key] = try string(field)
    }
    return map
  }

  mutating func strings(_ field: String) throws -> [String] {
    let count = try self.count(field)
    var strings: [String] = []
    strings.reserveCapacity(count)
    for _ in 0..<count { strings.append(try string(field)) }
    return strings
  }
}
