import Foundation
import ShoalTestSupport
import Testing

/// The repository's own clusters.yaml works on a fresh clone with the in-tree backends,
/// and LocalBackend's kwargs errors come out with their positions.
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

  @Test func validatesWithTheInTreeBackends() throws {
    let result = try CommandRunner.shoal(["validate", "--config", Self.file])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.hasSuffix(": OK, 4 clusters (local, burst, lab, shared); default: local\n"))
    let show = try CommandRunner.shoal(["clusters", "show", "local", "--config", Self.file])
    #expect(show.status == 0, "\(show.stderr)")
    #expect(show.stdout.contains(BuildProducts.library("LocalBackend") + " (class)"))
    #expect(show.stdout.contains("initial workers:  2"))
    let plugins = try CommandRunner.shoal(["plugins"])
    #expect(plugins.stdout.contains("    classes:   LocalCluster\n"), "\(plugins.stdout)")
  }

  /// LocalBackend's own kwargs errors, through the default `cluster_class`.
  @Test(arguments: [
    (
      "clusters:\n  local:\n    cluster_kwargs: {thread_per_worker: 1}\n", "3:22",
      "clusters.local.cluster_kwargs: unknown key `thread_per_worker`; did you mean `threads_per_worker`?"
    ),
    (
      "clusters:\n  local:\n    cluster_kwargs: {n_workers: four}\n", "3:33",
      "clusters.local.cluster_kwargs.n_workers: expected an integer, found \"four\""
    ),
    (
      "clusters:\n  local:\n    cluster_kwargs: {n_workers: -1}\n", "3:33",
      "clusters.local.cluster_kwargs.n_workers: n_workers must be from 0 to 100000, found -1"
    ),
  ])
  func rejectsBadLocalClusterKwargs(yaml: String, position: String, message: String) throws {
    let file = try TemporaryDirectory.write(yaml)
    let result = try CommandRunner.shoal(["validate", "--config", file])
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix("error: \(file):\(position): \(message)"), "\(result.stderr)")
  }

  @Test func validateNotesBoundsTheBackendClamped() throws {
    let file = try TemporaryDirectory.write(
      "clusters:\n  b:\n    cluster_kwargs: {max_workers: 3}\n    adapt_kwargs: {maximum: 10}\n")
    let result = try CommandRunner.shoal(["validate", "--config", file])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.hasPrefix(
        "note: clusters.b.adapt_kwargs: maximum 10 lowered to 3, the most workers LocalBackend.LocalCluster can run"
      ) && result.stdout.contains("effective bounds 0..3\n"),
      "\(result.stdout)")
  }
}
