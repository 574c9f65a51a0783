import ShoalCore
import Testing

@Suite("Backoff")
struct BackoffTests {
  @Test func doublesUpToTheMaximumWithJitterAndResets() {
    var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0.25)
    let delays = (0..<8).map { _ in backoff.nextDelay() }
    let bases: [Duration] = [100, 200, 400, 800, 1000, 1000, 1000, 1000].map { .milliseconds($0) }
    for (delay, base) in zip(delays, bases) {
      #expect(delay >= base * 0.75 && delay <= base * 1.25, "\(delay) for \(base)")
    }
    #expect(Set(delays).count > 1, "jitter randomises the delays")
    backoff.reset()
    let first = backoff.nextDelay()
    #expect(first >= .milliseconds(75) && first <= .milliseconds(125))
  }

  @Test func withoutJitterTheDelayIsExact() {
    let backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30))
    let delays = [0, 1, 2, 3, 7, 8, 1000].map { backoff.delay(afterFailures: $0) }
    #expect(
      delays == [500, 500, 1000, 2000, 30000, 30000, 30000].map { Duration.milliseconds($0) })
  }

  @Test func manyFailuresStayAtTheMaximum() {
    var backoff = Backoff(initial: .zero, maximum: .seconds(1))
    for _ in 0..<10_000 { _ = backoff.nextDelay() }
    #expect(backoff.nextDelay() == .zero)
  }
}
