import ShoalCore
import Testing

@testable import Shoal

/// The load the policy reads comes from a scheduler over the wire: no value of it
/// may trap, and the target always lies within the bounds.
@Suite struct AdaptivePolicyInputTests {
  static let durations: [Double?] = [
    .nan, .infinity, -.infinity, -1, 0, 1e-300, 5e-324, 1e300, .greatestFiniteMagnitude, nil,
  ]
  static let counts = [Int.min, -1, 0, 1, 1 << 40, Int.max]

  @Test(arguments: durations) func anyDurationGivesATargetInBounds(_ duration: Double?) {
    for count in Self.counts {
      let load = AdaptiveLoad(
        queued: count, running: count, workers: count, totalSlots: count,
        recentTaskDuration: duration)
      for settings in [
        AdaptSettings(minimum: 0, maximum: 10),
        AdaptSettings(minimum: 2, maximum: nil, targetDuration: .nanoseconds(1)),
        AdaptSettings(minimum: 0, maximum: 5, targetDuration: .seconds(Int64.max)),
      ] {
        var policy = AdaptivePolicy(settings: settings, unknownTaskDuration: duration ?? .nan)
        let decision = policy.decide(load: load, current: 3, time: 0)
        #expect(decision.to >= settings.minimum)
        if let maximum = settings.maximum { #expect(decision.to <= maximum) }
        #expect(decision.to <= AdaptivePolicy.largestCount)
      }
    }
  }

  @Test func aNaNDurationIsTakenAsUnknown() {
    let policy = AdaptivePolicy(settings: AdaptSettings(minimum: 0, maximum: 100))
    let load = AdaptiveLoad(
      queued: 100, running: 0, workers: 1, totalSlots: 1, recentTaskDuration: .nan)
    let (workers, reason) = policy.target(for: load)
    // 100 x 0.5 s (unknown) / 5 s = 10.
    #expect(workers == 10)
    #expect(reason.contains("0.5 s"), "\(reason)")
  }
}
