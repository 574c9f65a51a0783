import ShoalCore
import Testing

@Suite struct AdaptSettingsTests {
  @Test func defaultsAreDasks() throws {
    let settings = try Kwargs.empty().decode(AdaptSettings.self)
    #expect(settings.minimum == 0)
    #expect(settings.maximum == nil)
    #expect(settings.interval == .seconds(1))
    #expect(settings.waitCount == 3)
    #expect(settings.targetDuration == .seconds(5))
  }

  @Test func parsesDurationsWithUnits() throws {
    let kwargs: Kwargs = ["interval": "500ms", "target_duration": 2.5, "maximum": 8]
    let settings = try kwargs.decode(AdaptSettings.self)
    #expect(settings.interval == .milliseconds(500))
    #expect(settings.targetDuration == .milliseconds(2500))
    #expect(settings.clamp(20) == 8)
    #expect(settings.clamp(-1) == 0)
  }

  @Test(arguments: [
    (["minimum": 5, "maximum": 2] as Kwargs, "minimum (5) is greater than maximum (2)"),
    (["minimum": -1] as Kwargs, "minimum must be from 0 to 100000, found -1"),
    (["maximum": -3] as Kwargs, "maximum must be from 0 to 100000, found -3"),
    (["wait_count": 0] as Kwargs, "wait_count must be from 1 to 1000000, found 0"),
    (["interval": "soon"] as Kwargs, "expected a duration"),
  ])
  func rejectsBadBounds(kwargs: Kwargs, message: String) throws {
    let error = #expect(throws: ShoalError.self) {
      try kwargs.rooted(at: "clusters.b.adapt_kwargs").decode(AdaptSettings.self)
    }
    #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    #expect(error?.keyPath?.hasPrefix("clusters.b.adapt_kwargs") == true)
  }

  @Test func unknownAdaptKey() throws {
    let error = #expect(throws: ShoalError.self) {
      try (["maximun": 3] as Kwargs).decode(AdaptSettings.self)
    }
    #expect(error?.message == "unknown key `maximun`; did you mean `maximum`?")
  }
}
