import ShoalCore

/// The figures the adaptive policy reads at each tick (from the scheduler's load).
public struct AdaptiveLoad: Sendable, Hashable {
  /// Tasks waiting for a slot.
  public var queued: Int
  /// Tasks running now.
  public var running: Int
  /// Workers connected to the scheduler.
  public var workers: Int
  /// Their slots (threads) in total.
  public var totalSlots: Int
  /// Mean duration of recently finished tasks, in seconds; nil when none finished yet.
  public var recentTaskDuration: Double?

  /// A load.
  public init(
    queued: Int, running: Int, workers: Int, totalSlots: Int, recentTaskDuration: Double? = nil
  ) {
    self.queued = queued
    self.running = running
    self.workers = workers
    self.totalSlots = totalSlots
    self.recentTaskDuration = recentTaskDuration
  }
}

/// Adaptive scaling as a pure function of the load: no I/O, no clock of its own.
///
/// Follows Dask (`Scheduler.adaptive_target` and `adaptive_core.AdaptiveCore`):
///
/// - **target** = ceil((queued + running) x mean task duration / `target_duration`)
///   slots, where the mean is of recent tasks (0.5 s before any finished). Never more
///   slots than there are tasks, never fewer than the running tasks occupy (tasks a
///   worker holds ahead of its slots, prefetched, occupy none). Slots
///   become workers by the current slots per worker (or `slotsPerWorker` when no
///   worker is connected); any queued work with no worker asks for at least one.
///   The target is clamped to [`minimum`, `maximum`].
/// - **up** at once when the target is above the current count.
/// - **down** only after `wait_count` consecutive ticks whose target is below the
///   current count (to the latest target), so that a short lull does not retire
///   workers that are needed a second later. A count above `maximum` (the bounds
///   were just lowered) goes down at once.
public struct AdaptivePolicy: Sendable {
  /// The bounds and pace.
  public var settings: AdaptSettings
  /// Slots per worker assumed when no worker is connected.
  public var slotsPerWorker: Int
  /// Task duration assumed before any task finished (Dask's `unknown-task-duration`).
  public var unknownTaskDuration: Double
  /// Consecutive ticks so far whose target was below the current count.
  public private(set) var lowerCount = 0

  /// A policy with `settings`.
  public init(settings: AdaptSettings, slotsPerWorker: Int = 1, unknownTaskDuration: Double = 0.5) {
    self.settings = settings
    self.slotsPerWorker = max(1, slotsPerWorker)
    self.unknownTaskDuration = unknownTaskDuration
  }

  /// The target number of workers for `load`, clamped, and the reason in words.
  ///
  /// Never traps: figures from a scheduler are peer input, so counts are clamped to
  /// `0...2^40`, and a duration that is negative, not finite or over a year is taken
  /// as unknown.
  public func target(for load: AdaptiveLoad) -> (workers: Int, reason: String) {
    let load = Self.sanitized(load)
    let tasks = load.queued + load.running
    let duration = load.recentTaskDuration ?? Self.seconds(unknownTaskDuration) ?? 0.5
    let targetSeconds = max(Self.seconds(settings.targetDuration.seconds) ?? 5, 0.001)
    var slots = Int(min((Double(tasks) * duration / targetSeconds).rounded(.up), Double(tasks)))
    // Tasks prefetched beyond the slots (short tasks, `prefetchBelow`) occupy none.
    slots = max(slots, load.totalSlots > 0 ? min(load.running, load.totalSlots) : load.running)
    let perWorker =
      load.workers > 0 && load.totalSlots > 0
      ? Double(load.totalSlots) / Double(load.workers) : Double(slotsPerWorker)
    var workers = Int(
      min((Double(slots) / perWorker).rounded(.up), Double(Self.largestCount)))
    if load.queued > 0 && workers == 0 { workers = 1 }
    let clamped = settings.clamp(workers)

    var reason =
      load.running > 0 ? "\(load.queued) queued + \(load.running) running" : "\(load.queued) queued"
    reason += " x \(Self.format(duration)) s"
    if load.recentTaskDuration == nil && tasks > 0 { reason += " (no task finished yet)" }
    reason += " / \(Self.format(targetSeconds)) s target"
    if perWorker != 1 { reason += ", \(Self.format(perWorker)) slots per worker" }
    if clamped > workers {
      reason += " (raised to minimum \(settings.minimum))"
    } else if clamped < workers {
      reason += " (capped at maximum \(settings.maximum ?? clamped))"
    }
    return (clamped, reason)
  }

  /// The decision for this tick, given the current (planned) number of workers.
  /// Updates the scale-down count; `time` only stamps the decision.
  public mutating func decide(load: AdaptiveLoad, current: Int, time: Double) -> ScalingDecision {
    let (target, reason) = target(for: load)
    if target > current {
      lowerCount = 0
      return ScalingDecision(
        action: .up, from: current, to: target, target: target, reason: reason, time: time)
    }
    if target == current {
      lowerCount = 0
      return ScalingDecision(
        action: .same, from: current, to: current, target: target, reason: reason, time: time)
    }
    if let maximum = settings.maximum, current > maximum {
      lowerCount = 0
      return ScalingDecision(
        action: .down, from: current, to: target, target: target,
        reason: reason + "; above the maximum", time: time)
    }
    lowerCount += 1
    if lowerCount >= settings.waitCount {
      lowerCount = 0
      return ScalingDecision(
        action: .down, from: current, to: target, target: target,
        reason: reason + " (\(settings.waitCount) consecutive lower targets)", time: time)
    }
    return ScalingDecision(
      action: .same, from: current, to: current, target: target,
      reason: reason + "; waiting (\(lowerCount)/\(settings.waitCount) lower targets)",
      time: time)
  }

  /// The largest count the policy computes with (2^40): far above any real cluster,
  /// far below where a sum or a conversion from `Double` could overflow.
  static let largestCount = 1 << 40

  /// `load` with every count in `0...largestCount` and a sane duration (else nil).
  static func sanitized(_ load: AdaptiveLoad) -> AdaptiveLoad {
    func count(_ value: Int) -> Int { min(max(value, 0), largestCount) }
    return AdaptiveLoad(
      queued: count(load.queued), running: count(load.running), workers: count(load.workers),
      totalSlots: count(load.totalSlots),
      recentTaskDuration: load.recentTaskDuration.flatMap(seconds))
  }

  /// `value` when it is a usable duration in seconds (finite, 0 to one year), else nil.
  static func seconds(_ value: Double) -> Double? {
    value.isFinite && value >= 0 && value <= 31_536_000 ? value : nil
  }

  /// `0.2`, `5`, `1.25`: at most 2 decimals, no trailing zeros.
  static func format(_ value: Double) -> String {
    guard value.isFinite, abs(value) < 1e12 else { return "\(value)" }
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    var text = String(rounded)
    while text.hasSuffix("0") { text.removeLast() }
    return text
  }
}
