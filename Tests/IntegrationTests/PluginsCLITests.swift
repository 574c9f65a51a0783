import Foundation
import ShoalCore
import ShoalTestSupport
import Testing

/// `shoal plugins` with the real binary and the fixture plugins of the build folder.
@Suite struct PluginsCLITests {
  @Test func listsTheSearchPathAndEveryLibrary() throws {
    let empty = try TemporaryDirectory.make()
    // A C plugin that declares a newer minor than this shoal's: listed with its error.
    let newer = try CPluginBuild.probe(["FIXTURE_MINOR=99"])
    let result = try CommandRunner.shoal(
      ["plugins", "--plugin-path", empty + "/absent", "--plugin-path", newer],
      currentDirectory: empty)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("  \(empty)/absent  (--plugin-path) [missing]"))
    #expect(
      result.stdout.contains("  \(BuildProducts.directory)  (next to the shoal executable)\n"))
    #expect(
      result.stdout.contains(
        "  FixturePlugin  \(BuildProducts.library("FixturePlugin"))\n    ABI \(PluginABI.major).\(PluginABI.minor), built with ShoalCore \(PluginABI.sdkVersion) (Swift)\n    classes:   FixtureCluster\n    factories: make_fixture\n    tasks:     Echo\n"
      ), "\(result.stdout)")
    #expect(
      result.stdout.contains("  NotAPlugin  \(BuildProducts.library("NotAPlugin"))\n    error: "))
    #expect(result.stdout.contains("  Probe  \(newer)/libProbe.so\n    error: "))
    #expect(result.stdout.contains("was built for plugin ABI \(PluginABI.major).99"))
  }

  @Test func jsonIncludesTheConfigPluginPath() throws {
    let plugins = try TemporaryDirectory.make()
    let newer = try CPluginBuild.probe(["FIXTURE_MINOR=99"])
    let file = try TemporaryDirectory.write(
      "plugin_path: [\(plugins), \(newer)]\nclusters: {a: }\n")
    let result = try CommandRunner.shoal(
      ["plugins", "--json", "--config", file], environment: ["SHOAL_PLUGIN_PATH": "/from/env"])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let path = try #require(object["search_path"] as? [[String: Any]])
    #expect(
      path.map { $0["origin"] as? String } == [
        "$SHOAL_PLUGIN_PATH", "plugin_path in the config", "plugin_path in the config",
        "next to the shoal executable",
      ])
    #expect(path[1]["path"] as? String == plugins)
    let libraries = try #require(object["libraries"] as? [[String: Any]])
    let fixture = try #require(libraries.first { $0["module"] as? String == "FixturePlugin" })
    #expect(fixture["abi_version"] as? String == "\(PluginABI.major).\(PluginABI.minor)")
    #expect(fixture["sdk"] as? String == "ShoalCore \(PluginABI.sdkVersion) (Swift)")
    #expect(fixture["classes"] as? [String] == ["FixtureCluster"])
    let old = try #require(libraries.first { $0["module"] as? String == "Probe" })
    #expect((old["error"] as? String)?.contains("ABI \(PluginABI.major).99") == true)
  }

  @Test func aBrokenConfigIsAnError() throws {
    let file = try TemporaryDirectory.write("clusters: [\n")
    let result = try CommandRunner.shoal(["plugins", "--config", file])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("error: \(file):2:1: invalid YAML"), "\(result.stderr)")
  }
}
