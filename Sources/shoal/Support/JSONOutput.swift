import Foundation

/// Prints data as JSON on stdout for `--json` flags: pretty, keys sorted, stable.
enum JSONOutput {
  /// Prints `value` as JSON followed by a newline.
  static func print<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    Swift.print(String(decoding: data, as: UTF8.self))
  }
}
