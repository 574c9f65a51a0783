import Foundation
import ShoalTestSupport
import Testing

/// The page in a real headless Chromium (Debian's `chromium`): rows and chart appear,
/// and change while a map runs.
@Suite(.serialized) struct BrowserTests {
  static let chromium = DashboardHarness.which("chromium")

  /// The DOM after the page's scripts ran for `budget` ms of virtual time. Headless
  /// Chromium's virtual time waits for pending requests, so the page is opened with
  /// short event-stream connections (`?stream=1.5`): it reconnects after each.
  static func dom(_ browser: String, _ url: String, budget: Int = 3000) throws -> String {
    let output = try CommandRunner.run(
      browser,
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--user-data-dir=\(try TemporaryDirectory.make("s16-chromium"))",
        "--dump-dom", "--virtual-time-budget=\(budget)", url + "?stream=1.5",
      ], timeout: 90)
    #expect(output.status == 0, "\(output.stderr)")
    return output.stdout
  }

  /// The number in `name="N"` in `html`.
  static func attribute(_ name: String, in html: String) -> Int? {
    guard let start = html.range(of: "\(name)=\"") else { return nil }
    return Int(html[start.upperBound...].prefix { $0.isNumber })
  }

  static func count(_ needle: String, in html: String) -> Int {
    html.components(separatedBy: needle).count - 1
  }

  @Test(.enabled(if: chromium != nil || Integration.required))
  func rowsAndChartAppearAndChangeWhileAMapRuns() async throws {
    guard let browser = Self.chromium else { throw MissingTool(tool: "chromium") }
    let harness = try DashboardHarness(yaml: DashboardCLITests.yaml)
    defer { harness.stopAll(clusters: ["pair"]) }
    #expect(try harness.shoal("up", "pair", "--detach").status == 0)
    let url = try #require(harness.record("pair")?.dashboard)
    try (1...200).map(String.init).joined(separator: "\n")
      .write(toFile: harness.folder + "/inputs", atomically: true, encoding: .utf8)
    let map = try harness.start(
      BuildProducts.shoal,
      ["map", "--cluster", "pair", "--inputs", "inputs", "--", "sh", "-c", "sleep 0.2; echo {}"],
      output: harness.folder + "/map.txt")

    func completed() async throws -> Int {
      let (_, body, _) = try await DashboardHarness.get(url + "api/state")
      return try JSONDecoder().decode(StateProbe.self, from: Data(body.utf8)).snapshot.completed
    }
    try await eventually("the map has started") { try await completed() > 0 }
    let first = try Self.dom(browser, url)
    #expect(Self.count("<tr class=\"worker\"", in: first) == 2, "\(first)")
    #expect(first.contains("data-worker=\"pair-0\""))
    #expect(first.contains("id=\"workers-line\""))
    #expect(first.contains("class=\"client\""), "a client's progress bar while the map runs")
    #expect(first.contains("class=\"task\""), "the task stream shows busy workers")
    let firstDone = try #require(Self.attribute("data-completed", in: first))
    let firstSamples = try #require(Self.attribute("data-samples", in: first))

    try await eventually("more tasks are done") { try await completed() > firstDone + 5 }
    let second = try Self.dom(browser, url)
    let secondDone = try #require(Self.attribute("data-completed", in: second))
    let secondSamples = try #require(Self.attribute("data-samples", in: second))
    #expect(secondDone > firstDone)
    #expect(secondSamples > firstSamples)
    try await eventually("the map ends", timeout: .seconds(120)) { !map.isRunning }
    #expect(map.terminationStatus == 0)

  }

  @Test(.enabled(if: chromium != nil || Integration.required))
  func thePageUpdatesLiveWithoutAReload() async throws {
    guard let browser = Self.chromium else { throw MissingTool(tool: "chromium") }
    let harness = try DashboardHarness(yaml: DashboardCLITests.yaml)
    defer { harness.stopAll(clusters: ["pair"]) }
    #expect(try harness.shoal("up", "pair", "--detach").status == 0)
    let url = try #require(harness.record("pair")?.dashboard)
    // One page load, for longer: the samples it draws beyond its first paint came over
    // the event stream.
    let (_, body, _) = try await DashboardHarness.get(url + "api/state")
    let before = Self.count("\"t\":", in: body)
    let page = try Self.dom(browser, url, budget: 6000)
    #expect(page.contains("class=\"pill on\">live<"), "\(page)")
    let drawn = try #require(Self.attribute("data-samples", in: page))
    #expect(drawn > before + 1, "drawn \(drawn) samples, \(before) in the first paint")
  }
}
