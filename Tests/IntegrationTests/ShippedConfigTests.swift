import Foundation
import ShoalCore
import ShoalTestSupport
import Testing

/// The repository's own clusters.yaml works on a fresh clone with the in-tree backends.
@Suite struct ShippedConfigTests {
  static let file = BuildProducts.repositoryRoot + "/clusters.yaml"

  @Test func listsTheShippedClusters() throws {
    let result = try CommandRunner.shoal(["clusters", "--config", Self.file])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map {
      $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
    #expect(lines.contains("local * local LocalBackend.LocalCluster -"))
    #expect(lines.contains("burst temporary LocalBackend.LocalCluster 0..4"))
  }

  @Test func theShippedFileIsFoundInTheRepositoryRoot() throws {
    let result = try CommandRunner.shoal(
      ["clusters", "--json"], currentDirectory: BuildProducts.repositoryRoot)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("\"file\" : \"clusters.yaml\""))
  }

  /// Until LocalBackend exports `LocalCluster` (its own issue), loading it fails; the
  /// known issue is only expected while the library has no plugin entry point.
  @Test func validatesWithTheInTreeBackends() throws {
    let placeholder: Bool
    do {
      let plugin = try PluginLoader.load(
        path: BuildProducts.library("LocalBackend"), module: "LocalBackend")
      placeholder = plugin.exports.backendClass("LocalCluster") == nil
    } catch {
      placeholder = true
    }
    try withKnownIssue("LocalBackend is still a placeholder") {
      let result = try CommandRunner.shoal(["validate", "--config", Self.file])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.hasSuffix(": OK, 2 clusters (local, burst); default: local\n"))
      let show = try CommandRunner.shoal(["clusters", "show", "local", "--config", Self.file])
      #expect(show.status == 0, "\(show.stderr)")
      #expect(show.stdout.contains(BuildProducts.library("LocalBackend")))
    } when: {
      placeholder
    }
  }
}
