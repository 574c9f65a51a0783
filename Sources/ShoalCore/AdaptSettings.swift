/// The bounds and pace of adaptive scaling, from a cluster's `adapt_kwargs`.
///
/// The defaults are Dask's (`distributed.deploy.adaptive.Adaptive`): no minimum,
/// no maximum, a decision every second, scale down only after 3 consecutive
/// recommendations, and enough workers to finish the queued work in 5 seconds.
public struct AdaptSettings: Sendable, Hashable, Decodable, CustomStringConvertible {
  /// Never fewer workers than this.
  public var minimum: Int
  /// Never more workers than this; `nil` is no maximum.
  public var maximum: Int?
  /// Time between two decisions.
  public var interval: Duration
  /// Consecutive scale-down recommendations needed before workers are retired.
  public var waitCount: Int
  /// How long the queued and running work should take with the target number of workers.
  public var targetDuration: Duration

  /// Settings with Dask's defaults for anything not given.
  public init(
    minimum: Int = 0, maximum: Int? = nil, interval: Duration = .seconds(1), waitCount: Int = 3,
    targetDuration: Duration = .seconds(5)
  ) {
    self.minimum = minimum
    self.maximum = maximum
    self.interval = interval
    self.waitCount = waitCount
    self.targetDuration = targetDuration
  }

  enum CodingKeys: String, CodingKey {
    case minimum, maximum, interval
    case waitCount = "wait_count"
    case targetDuration = "target_duration"
  }

  /// Decodes `adapt_kwargs`, checking that the bounds make sense.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let defaults = AdaptSettings()
    minimum =
      try container.decodeIfPresent(Int.self, forKey: .minimum, in: KwargsRange.workers)
      ?? defaults.minimum
    maximum = try container.decodeIfPresent(Int.self, forKey: .maximum, in: KwargsRange.workers)
    interval =
      try container.decodeIfPresent(DurationValue.self, forKey: .interval)?.duration
      ?? defaults.interval
    waitCount =
      try container.decodeIfPresent(Int.self, forKey: .waitCount, in: KwargsRange.count)
      ?? defaults.waitCount
    targetDuration =
      try container.decodeIfPresent(DurationValue.self, forKey: .targetDuration)?.duration
      ?? defaults.targetDuration
    func fail(_ key: CodingKeys, _ message: String) -> DecodingError {
      .dataCorruptedError(forKey: key, in: container, debugDescription: message)
    }
    if minimum < 0 { throw fail(.minimum, "minimum must be 0 or more, found \(minimum)") }
    if let maximum, maximum < 0 {
      throw fail(.maximum, "maximum must be 0 or more, found \(maximum)")
    }
    if let maximum, minimum > maximum {
      throw fail(.minimum, "minimum (\(minimum)) is greater than maximum (\(maximum))")
    }
    if interval <= .zero { throw fail(.interval, "interval must be greater than 0") }
    if waitCount < 1 { throw fail(.waitCount, "wait_count must be 1 or more, found \(waitCount)") }
    if targetDuration <= .zero {
      throw fail(.targetDuration, "target_duration must be greater than 0")
    }
  }

  /// `minimum..maximum every interval` for listings.
  public var description: String {
    "\(minimum)..\(maximum.map(String.init) ?? "∞")"
  }

  /// `count` clamped to `[minimum, maximum]`.
  public func clamp(_ count: Int) -> Int {
    let lower = max(count, minimum)
    return maximum.map { min(lower, $0) } ?? lower
  }
}

/// A duration written as seconds (`1.5`) or with a unit (`500ms`, `2s`, `1m`).
public struct DurationValue: Decodable, Sendable, Hashable {
  /// The parsed duration.
  public var duration: Duration

  /// A duration value.
  public init(_ duration: Duration) { self.duration = duration }

  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    if let seconds = DurationValue.seconds(text), seconds > KwargsRange.maximumDurationSeconds {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath,
          debugDescription:
            "\(text.trimmingCharacters()) is out of range: a duration must be from 0 to "
            + "\(Int(KwargsRange.maximumDurationSeconds))s (365 days)"))
    }
    guard let duration = DurationValue.parse(text) else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath,
          debugDescription:
            "expected a duration such as 2, 1.5, \"500ms\", \"2s\" or \"1m\", found \"\(text)\""))
    }
    self.duration = duration
  }

  /// Parses `1.5`, `500ms`, `2s`, `1m`, `1h`; nil when malformed, negative or longer
  /// than `KwargsRange.maximumDurationSeconds`.
  public static func parse(_ text: String) -> Duration? {
    guard let seconds = seconds(text), seconds <= KwargsRange.maximumDurationSeconds else {
      return nil
    }
    return .milliseconds(Int64((seconds * 1000).rounded()))
  }

  /// The seconds `text` spells (any size), nil when malformed, negative or not finite.
  static func seconds(_ text: String) -> Double? {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    var number = text.trimmingCharacters()
    var scale = 1.0
    for (suffix, factor) in units where number.hasSuffix(suffix) {
      number.removeLast(suffix.count)
      scale = factor
      break
    }
    guard let value = Double(number.trimmingCharacters()), value >= 0, value.isFinite,
      (value * scale).isFinite
    else {
      return nil
    }
    return value * scale
  }
}

extension String {
  fileprivate func trimmingCharacters() -> String {
    String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}

extension Duration {
  /// The duration in seconds, as a `Double`.
  public var seconds: Double {
    let (whole, fraction) = components
    return Double(whole) + Double(fraction) / 1e18
  }
}
