import Foundation
import ShoalTestSupport
import Testing

/// What a user's `swift build` ships: the test fixtures (FaultyPlugin and friends) and
/// the benchmark driver are products only when the test command or Benchmarks/compare
/// ask for them, so `shoal plugins` of a user's build lists only real backends.
@Suite struct UserBuildProductsTests {
  func products(environment: [String: String]) throws -> [String] {
    var clean = environment
    for key in ["SHOAL_TEST_FIXTURES", "SHOAL_BENCHMARKS"] where clean[key] == nil {
      clean[key] = ""
    }
    // Its own scratch folder: the test runs under `swift test`, which holds .build's lock.
    let scratch = try TemporaryDirectory.make("shoal-dump")
    let output = try CommandRunner.run(
      "/usr/bin/env",
      [
        "swift", "package", "--package-path", BuildProducts.repositoryRoot, "--scratch-path",
        scratch, "dump-package",
      ],
      environment: clean, timeout: 300)
    try #require(output.status == 0, "\(output.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    let list = try #require(object["products"] as? [[String: Any]])
    return list.compactMap { $0["name"] as? String }
  }

  @Test func fixturesAreNoProductsOfAUsersBuild() throws {
    let user = try products(environment: [:])
    #expect(user.contains("LocalBackend") && user.contains("ShoalCore"))
    for fixture in ["FaultyPlugin", "FixturePlugin", "TestTasks", "NotAPlugin"] {
      #expect(!user.contains(fixture), "\(fixture) is a product of a user's build: \(user)")
    }
    let tests = try products(environment: ["SHOAL_TEST_FIXTURES": "1"])
    #expect(tests.contains("FaultyPlugin") && tests.contains("TestTasks"))
  }
}
