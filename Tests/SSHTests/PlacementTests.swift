import SSHSupport
import Testing

@Suite struct PlacementTests {
  func hosts(_ slots: [Int], used: [Int]? = nil, unusable: Set<Int> = []) -> [Placement.Slot] {
    slots.indices.map {
      Placement.Slot(
        host: $0, slots: slots[$0], used: used?[$0] ?? 0, usable: !unusable.contains($0))
    }
  }

  @Test func spreadsOverEqualHostsInsteadOfFillingTheFirst() {
    #expect(Placement.additions(4, hosts: hosts([2, 2])) == [0, 1, 0, 1])
    #expect(Placement.additions(3, hosts: hosts([4, 4, 4])) == [0, 1, 2])
  }

  @Test func prefersTheHostWithMostFreeSlots() {
    #expect(Placement.additions(4, hosts: hosts([1, 4])) == [1, 1, 1, 0])
    #expect(Placement.additions(2, hosts: hosts([2, 2], used: [0, 1])) == [0, 0])
  }

  @Test func stopsAtCapacityAndSkipsHostsInBackoff() {
    #expect(Placement.additions(10, hosts: hosts([2, 1])).count == 3)
    #expect(Placement.additions(3, hosts: hosts([2, 2], unusable: [0])) == [1, 1])
    #expect(Placement.additions(1, hosts: hosts([2], unusable: [0])).isEmpty)
    #expect(Placement.additions(0, hosts: hosts([2, 2])).isEmpty)
  }

  @Test func removesFromTheFullestHostNewestFirst() {
    let workers = [
      Placement.Placed(name: "a", host: 0, serial: 1),
      Placement.Placed(name: "b", host: 1, serial: 2),
      Placement.Placed(name: "c", host: 0, serial: 3),
      Placement.Placed(name: "d", host: 0, serial: 4),
    ]
    #expect(Placement.removals(1, workers: workers) == ["d"])
    #expect(Placement.removals(3, workers: workers) == ["d", "c", "b"])
    #expect(Placement.removals(9, workers: workers).count == 4)
  }

  @Test func capacityIsTheSumOfSlots() {
    #expect(Placement.capacity(hosts([2, 3, 1])) == 6)
  }
}

@Suite struct HostHealthTests {
  @Test func backoffDoublesUpToTheMaximumAndClearsOnSuccess() {
    var health = HostHealth()
    let start = ContinuousClock.now
    #expect(health.usable(at: start))
    #expect(health.failed("refused", at: start) == .seconds(2))
    #expect(!health.usable(at: start + .seconds(1)))
    #expect(health.usable(at: start + .seconds(2)))
    #expect(health.failed("refused", at: start) == .seconds(4))
    #expect(health.reason == "refused")
    for _ in 0..<10 { health.failed("refused", at: start) }
    #expect(health.failed("refused", at: start) == HostHealth.maximumBackoff)
    health.succeeded()
    #expect(!health.isFailing && health.usable(at: start) && health.reason == nil)
  }
}

@Suite struct SchedulerAddressTests {
  @Test func parsesAddresses() {
    #expect(SchedulerSettings.parse("tcp://10.0.0.1:8786")! == ("10.0.0.1", 8786))
    #expect(SchedulerSettings.parse("head:1")! == ("head", 1))
    #expect(SchedulerSettings.parse("head")! == ("head", nil))
    #expect(SchedulerSettings.parse("[::1]:5")! == ("::1", 5))
    #expect(SchedulerSettings.parse("tcp://a:b") == nil)
    #expect(SchedulerSettings.parse("a:99999") == nil)
    #expect(SchedulerSettings.parse("") == nil)
  }

  @Test func workerAddressUsesTheAdvertisedHostAndTheActualPort() {
    let actual = "tcp://10.1.1.1:4000"
    #expect(SchedulerSettings().workerAddress(actual: actual) == actual)
    #expect(
      SchedulerSettings(advertisedHost: "head").workerAddress(actual: actual) == "tcp://head:4000")
    #expect(
      SchedulerSettings(advertisedHost: "head", advertisedPort: 9).workerAddress(actual: actual)
        == "tcp://head:9")
    #expect(
      SchedulerSettings(listenHost: "10.2.2.2").workerAddress(actual: "tcp://10.2.2.2:7")
        == "tcp://10.2.2.2:7")
    #expect(
      SchedulerSettings(listenHost: "0.0.0.0", advertisedHost: "head").workerAddress(
        actual: "tcp://0.0.0.0:7") == "tcp://head:7")
  }
}
