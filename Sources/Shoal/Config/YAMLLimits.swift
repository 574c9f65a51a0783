import ShoalCore

/// Limits on a configuration file, so that any input, however hostile, is decided in
/// well under a second and a few tens of MB: a `clusters.yaml` is a few KB and a few
/// hundred nodes.
///
/// Aliases and merge keys are expanded as they are read (`*defaults` copies the
/// anchored node), so a tiny file can describe billions of nodes ("billion laughs",
/// a merge-key bomb); the node limit counts every copy.
enum YAMLLimits {
  /// The largest file read: 1 MiB.
  static let maxFileSize = 1 << 20
  /// The most nodes the document may expand to, counting every alias and merge use.
  static let maxNodes = 50_000
  /// The deepest nesting of mappings and lists.
  static let maxDepth = 64

  /// Throws when `bytes` is over `maxFileSize`, at the line and column where the
  /// limit is crossed.
  static func checkSize<Bytes: Collection<UInt8>>(_ bytes: Bytes, file: String) throws {
    guard bytes.count > maxFileSize else { return }
    var line = 1
    var column = 1
    for byte in bytes.prefix(maxFileSize) {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    throw ShoalError(
      .invalidConfig,
      "the file is \(bytes.count) bytes, over the limit of \(maxFileSize) bytes (1 MiB)",
      location: SourceLocation(file: file, line: line, column: column),
      hint: "a clusters.yaml is a few KB; check that this is the right file")
  }

  /// The line and column (in characters, from 1) of the first byte of `bytes` that
  /// is not UTF-8, or nil when all of it is.
  static func firstInvalidUTF8<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> (
    line: Int, column: Int
  )? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var line = 1
    var column = 1
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded):
        if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") {
          line += 1
          column = 1
        } else {
          column += 1
        }
      case .error:
        return (line, column)
      case .emptyInput:
        return nil
      }
    }
  }
}

/// Counts the nodes a document expands to while it is converted.
final class NodeBudget {
  private(set) var used = 0

  /// Counts one node; throws at `location` once there are more than `YAMLLimits.maxNodes`.
  func spend(at location: SourceLocation?, keyPath: String) throws {
    used += 1
    guard used > YAMLLimits.maxNodes else { return }
    throw ShoalError(
      .invalidConfig,
      "the document expands to more than \(YAMLLimits.maxNodes) nodes "
        + "(each use of an alias or merge key counts all the nodes it copies)",
      location: location, keyPath: keyPath,
      hint: "aliases that refer to aliases multiply; write the repeated settings once")
  }
}
