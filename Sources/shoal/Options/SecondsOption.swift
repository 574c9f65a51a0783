import ArgumentParser
import ShoalCore

/// The range of every `--... SECONDS` option: above 0 (or 0 when allowed) and at most
/// a year (`KwargsRange.maximumDurationSeconds`), so that no conversion to
/// milliseconds or nanoseconds can overflow.
enum SecondsOption {
  /// Throws a `ValidationError` stating the range when `value` is outside it.
  static func check(_ value: Double, _ flag: String, allowZero: Bool = false) throws {
    let maximum = KwargsRange.maximumDurationSeconds
    let low = allowZero ? value >= 0 : value > 0
    guard low, value <= maximum else {
      throw ValidationError(
        "\(flag) must be a number of seconds \(allowZero ? "from 0" : "above 0") up to "
          + "\(Int(maximum)) (365 days), found \(value)")
    }
  }

  /// `count` workers must lie in `KwargsRange.workers`.
  static func checkWorkers(_ count: Int, _ what: String) throws {
    guard KwargsRange.workers.contains(count) else {
      throw ValidationError(
        "\(what) must be \(KwargsRange.describe(KwargsRange.workers)), found \(count)")
    }
  }
}
