import NIOCore

// ResourceSet on the wire (in a worker's hello, after the token; in a task spec,
// after the timeout when flag bit 2 is set):
//
//     +----------+---------------------------------------------+
//     | count u8 | count x (name string, amount Int64 milli)   |
//     +----------+---------------------------------------------+
//
// A peer is untrusted: at most `ResourceSet.maxCount` names, each a valid name of at
// most `ResourceSet.maxNameLength` bytes, in strictly increasing order (so no name
// twice), each amount from 1 to `ResourceSet.maxAmount` x 1000.

extension ResourceSet {
  /// Exactly how many bytes the encoding takes.
  var wireSize: Int {
    var size = 1
    for entry in entries { size += 12 + entry.name.utf8.count }
    return size
  }
}

extension WireWriter {
  mutating func resources(_ set: ResourceSet) {
    integer(UInt8(set.entries.count))
    for entry in set.entries {
      string(entry.name)
      integer(entry.milli)
    }
  }
}

extension WireReader {
  mutating func resources() throws -> ResourceSet {
    let count = Int(try integer(as: UInt8.self, "resources"))
    guard count <= ResourceSet.maxCount else {
      throw WireError(
        .malformed, "\(count) resources is over the limit of \(ResourceSet.maxCount)")
    }
    var set = ResourceSet()
    var previous = ""
    for _ in 0..<count {
      let span = try self.span("resource name")
      guard span.count <= ResourceSet.maxNameLength else {
        throw WireError(
          .malformed, "a resource name is longer than \(ResourceSet.maxNameLength) bytes")
      }
      let name = String(decoding: span, as: UTF8.self)
      guard ResourceSet.isValid(name: name) else {
        throw WireError(.malformed, "invalid resource name `\(name)`")
      }
      guard name > previous else {
        throw WireError(.malformed, "resource names out of order or repeated at `\(name)`")
      }
      previous = name
      let milli: Int64 = try integer("resource amount")
      guard milli > 0, milli <= ResourceSet.maxAmount * 1000 else {
        throw WireError(.malformed, "resource `\(name)` has amount \(milli)/1000, out of range")
      }
      set.set(name, milli: milli)
    }
    return set
  }
}

extension ByteBuffer {
  /// Writes `set` in the wire encoding.
  public mutating func writeResources(_ set: ResourceSet) {
    writeWithUnsafeMutableBytes(minimumWritableBytes: set.wireSize) { memory in
      var writer = WireWriter(memory)
      writer.resources(set)
      return writer.offset
    }
  }

  /// Reads a set written by `writeResources`, checked.
  public mutating func readResources() throws -> ResourceSet {
    let (set, used) = try withUnsafeReadableBytes { memory in
      var reader = WireReader(memory)
      return (try reader.resources(), reader.offset)
    }
    moveReaderIndex(forwardBy: used)
    return set
  }
}
