/// The ranges configuration numbers must lie in. Every count and duration a user
/// writes is checked against one of these when it is decoded, so that no later sum,
/// product or conversion can overflow, and the error states the range.
public enum KwargsRange {
  /// Workers of one cluster (`n_workers`, `minimum`, `maximum`, `shoal scale N`).
  public static let workers: ClosedRange<Int> = 0...100_000
  /// Task slots of one worker or one host (`nthreads`, `threads_per_worker`, `slots`).
  public static let slots: ClosedRange<Int> = 1...4096
  /// A count of consecutive events (`wait_count`).
  public static let count: ClosedRange<Int> = 1...1_000_000
  /// Whole seconds (`stop_grace`, `give_up_after`): at most a year.
  public static let seconds: ClosedRange<Int> = 0...31_536_000
  /// The longest duration a configuration accepts, in seconds: one year. Longer ones
  /// would only overflow a deadline or a conversion to nanoseconds later.
  public static let maximumDurationSeconds: Double = 31_536_000

  /// `from A to B` for messages.
  public static func describe(_ range: ClosedRange<Int>) -> String {
    "from \(range.lowerBound) to \(range.upperBound)"
  }
}

extension KeyedDecodingContainer {
  /// Decodes the integer at `key`, when present, and checks that it lies in `range`;
  /// the error names the key and states the range.
  public func decodeIfPresent(
    _ type: Int.Type, forKey key: Key, in range: ClosedRange<Int>
  ) throws -> Int? {
    guard let value = try decodeIfPresent(Int.self, forKey: key) else { return nil }
    guard range.contains(value) else {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self,
        debugDescription:
          "\(key.stringValue) must be \(KwargsRange.describe(range)), found \(value)")
    }
    return value
  }
}
