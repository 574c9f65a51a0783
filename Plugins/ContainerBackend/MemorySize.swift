/// A memory limit written as bytes (`1073741824`) or with a unit (`512m`, `2g`, `1.5GiB`).
/// Units are powers of 1024, as `podman run --memory` reads them.
public struct MemorySize: Sendable, Hashable, Decodable, CustomStringConvertible {
  /// The size in bytes.
  public var bytes: Int64

  /// A size of `bytes` bytes.
  public init(bytes: Int64) { self.bytes = bytes }

  /// The smallest limit the runtimes accept (6 MiB).
  public static let minimum: Int64 = 6 * 1024 * 1024

  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    let message: String
    if let bytes = MemorySize.parse(text) {
      if bytes >= MemorySize.minimum {
        self.bytes = bytes
        return
      }
      message = "memory must be at least 6m (6 MiB), found \"\(text)\""
    } else {
      message =
        "expected a memory size such as 512m, 2g, 1.5GiB or a number of bytes, found \"\(text)\""
    }
    if let node = decoder.kwargsNode { throw node.error(message, code: .invalidValue) }
    throw DecodingError.dataCorrupted(
      .init(codingPath: decoder.codingPath, debugDescription: message))
  }

  /// Parses `512m`, `2G`, `1.5GiB`, `100kb`, `1073741824`; nil when malformed.
  public static func parse(_ text: String) -> Int64? {
    let units: [(String, Double)] = [
      ("b", 1), ("k", 1024), ("m", 1024 * 1024), ("g", 1024 * 1024 * 1024),
      ("t", 1024 * 1024 * 1024 * 1024),
    ]
    var number = text.lowercased().filter { $0 != " " }
    for suffix in ["ib", "b"] where number.hasSuffix(suffix) && number.count > suffix.count {
      let trimmed = String(number.dropLast(suffix.count))
      if let last = trimmed.last, last.isLetter {
        number = trimmed
        break
      }
    }
    var scale = 1.0
    if let last = number.last, last.isLetter {
      guard let unit = units.first(where: { $0.0 == String(last) }) else { return nil }
      scale = unit.1
      number.removeLast()
    }
    guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }),
      let value = Double(number), value.isFinite, value > 0
    else { return nil }
    let bytes = value * scale
    guard bytes < 9e18 else { return nil }
    return Int64(bytes.rounded())
  }

  /// The byte count, as passed to `--memory`.
  public var description: String { String(bytes) }
}
