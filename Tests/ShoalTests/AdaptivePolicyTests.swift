import ShoalCore
import Testing

@testable import Shoal

@Suite struct AdaptivePolicyTests {
  func policy(
    minimum: Int = 0, maximum: Int? = nil, waitCount: Int = 3, target: Duration = .seconds(5),
    slotsPerWorker: Int = 1
  ) -> AdaptivePolicy {
    AdaptivePolicy(
      settings: AdaptSettings(
        minimum: minimum, maximum: maximum, waitCount: waitCount, targetDuration: target),
      slotsPerWorker: slotsPerWorker)
  }

  @Test func targetIsQueuedWorkTimesDurationOverTargetDuration() {
    let load = AdaptiveLoad(
      queued: 200, running: 0, workers: 1, totalSlots: 1, recentTaskDuration: 0.2)
    var policy = policy()
    let decision = policy.decide(load: load, current: 1, time: 0)
    // 200 x 0.2 s / 5 s = 8 slots = 8 one-slot workers.
    #expect(decision.action == .up)
    #expect(decision.to == 8)
    #expect(decision.description == "scale up 1 -> 8: 200 queued x 0.2 s / 5 s target")
  }

  @Test func targetIsClampedToMaximumAndSaysSo() {
    let load = AdaptiveLoad(
      queued: 200, running: 0, workers: 1, totalSlots: 1, recentTaskDuration: 0.2)
    var policy = policy(maximum: 4)
    let decision = policy.decide(load: load, current: 1, time: 0)
    #expect(decision.to == 4)
    #expect(
      decision.description
        == "scale up 1 -> 4: 200 queued x 0.2 s / 5 s target (capped at maximum 4)")
  }

  @Test func unknownDurationIsHalfASecond() {
    let load = AdaptiveLoad(queued: 30, running: 0, workers: 0, totalSlots: 0)
    let (workers, reason) = policy().target(for: load)
    // 30 x 0.5 / 5 = 3.
    #expect(workers == 3)
    #expect(reason.contains("0.5 s (no task finished yet)"))
  }

  @Test func slotsBecomeWorkersBySlotsPerWorker() {
    // 2 workers with 4 slots each: 8 slots wanted -> 2 workers.
    let load = AdaptiveLoad(
      queued: 40, running: 0, workers: 2, totalSlots: 8, recentTaskDuration: 1)
    #expect(policy().target(for: load).workers == 2)
    // No workers: the backend's slots per worker is used.
    let empty = AdaptiveLoad(
      queued: 40, running: 0, workers: 0, totalSlots: 0, recentTaskDuration: 1)
    #expect(policy(slotsPerWorker: 4).target(for: empty).workers == 2)
  }

  @Test func neverMoreSlotsThanTasksNorFewerThanRunning() {
    // 3 long tasks (100 s each) ask for 3 slots, not 60.
    let long = AdaptiveLoad(
      queued: 3, running: 0, workers: 0, totalSlots: 0, recentTaskDuration: 100)
    #expect(policy().target(for: long).workers == 3)
    // 4 running tiny tasks still hold 4 slots.
    let tiny = AdaptiveLoad(
      queued: 0, running: 4, workers: 4, totalSlots: 4, recentTaskDuration: 0.001)
    #expect(policy().target(for: tiny).workers == 4)
    // Tasks prefetched beyond the slots hold none: 2 workers with 12 tasks assigned
    // (1 running + 5 prefetched each) of 10 ms ask for no more workers than they have.
    let prefetched = AdaptiveLoad(
      queued: 0, running: 12, workers: 2, totalSlots: 2, recentTaskDuration: 0.01)
    #expect(policy().target(for: prefetched).workers == 2)
  }

  @Test func anyQueuedWorkWithNoWorkerAsksForOne() {
    let load = AdaptiveLoad(
      queued: 1, running: 0, workers: 0, totalSlots: 0, recentTaskDuration: 0.001)
    #expect(policy().target(for: load).workers == 1)
  }

  @Test func idleGoesToMinimum() {
    let idle = AdaptiveLoad(queued: 0, running: 0, workers: 3, totalSlots: 3, recentTaskDuration: 1)
    #expect(policy(minimum: 1).target(for: idle).workers == 1)
    #expect(policy().target(for: idle).workers == 0)
    let (raised, reason) = policy(minimum: 2).target(
      for: AdaptiveLoad(queued: 0, running: 0, workers: 0, totalSlots: 0))
    #expect(raised == 2)
    #expect(reason.contains("raised to minimum 2"))
  }

  @Test func scaleDownWaitsForWaitCountConsecutiveLowerTargets() {
    var policy = policy(minimum: 1, waitCount: 3)
    let idle = AdaptiveLoad(queued: 0, running: 0, workers: 4, totalSlots: 4, recentTaskDuration: 1)
    let first = policy.decide(load: idle, current: 4, time: 1)
    #expect(first.action == .same)
    #expect(first.target == 1)
    #expect(first.reason.contains("waiting (1/3"))
    #expect(policy.decide(load: idle, current: 4, time: 2).action == .same)
    let third = policy.decide(load: idle, current: 4, time: 3)
    #expect(third.action == .down)
    #expect(third.to == 1)
    #expect(third.description.hasPrefix("scale down 4 -> 1: "))
    #expect(policy.lowerCount == 0)
  }

  @Test func aHigherTargetResetsTheScaleDownCount() {
    var policy = policy(waitCount: 2)
    let idle = AdaptiveLoad(queued: 0, running: 0, workers: 2, totalSlots: 2, recentTaskDuration: 1)
    let busy = AdaptiveLoad(queued: 0, running: 2, workers: 2, totalSlots: 2, recentTaskDuration: 1)
    #expect(policy.decide(load: idle, current: 2, time: 1).action == .same)
    #expect(policy.decide(load: busy, current: 2, time: 2).action == .same)
    #expect(policy.lowerCount == 0)
    #expect(policy.decide(load: idle, current: 2, time: 3).action == .same)
    #expect(policy.decide(load: idle, current: 2, time: 4).action == .down)
  }

  @Test func scaleUpIsImmediate() {
    var policy = policy(maximum: 10)
    let burst = AdaptiveLoad(queued: 100, running: 0, workers: 0, totalSlots: 0)
    let decision = policy.decide(load: burst, current: 0, time: 0)
    #expect(decision.action == .up)
    #expect(decision.to == 10)
  }

  @Test func aCountAboveALoweredMaximumGoesDownAtOnce() {
    var policy = policy(maximum: 2, waitCount: 5)
    let busy = AdaptiveLoad(
      queued: 50, running: 5, workers: 5, totalSlots: 5, recentTaskDuration: 1)
    let decision = policy.decide(load: busy, current: 5, time: 0)
    #expect(decision.action == .down)
    #expect(decision.to == 2)
  }

  @Test func durationsAreFormattedBriefly() {
    #expect(AdaptivePolicy.format(0.2) == "0.2")
    #expect(AdaptivePolicy.format(5) == "5")
    #expect(AdaptivePolicy.format(1.256) == "1.26")
    #expect(AdaptivePolicy.format(0.5) == "0.5")
  }
}
