import Foundation
import ShoalCore
import ShoalTestSupport
import Testing

/// `shoal plugin new`: what it writes and what it refuses.
@Suite struct ScaffoldTests {
  @Test func writesAPackageThatSelectsItsClass() throws {
    let folder = try TemporaryDirectory.make() + "/SlurmBackend"
    let output = try CommandRunner.shoal(["plugin", "new", "SlurmBackend", "--path", folder])
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout.contains("cluster_class: SlurmBackend.SlurmCluster"))
    let manager = FileManager.default
    for file in [
      "Package.swift", "Sources/SlurmBackend/SlurmCluster.swift",
      "Tests/SlurmBackendTests/SlurmClusterConformanceTests.swift", "clusters.yaml", "README.md",
      ".gitignore",
    ] {
      #expect(manager.fileExists(atPath: folder + "/" + file), "missing \(file)")
    }
    let manifest = try String(contentsOfFile: folder + "/Package.swift", encoding: .utf8)
    // By URL and version by default: the canonical repository, this shoal's version.
    #expect(
      manifest.contains(
        ".package(url: \"https://github.com/shoal-swift/shoal\", from: \"\(PluginABI.sdkVersion)\"),"
      ),
      "\(manifest)")
    #expect(manifest.contains(".product(name: \"ShoalCore\", package: \"shoal\")"))
    #expect(manifest.contains(".library(name: \"SlurmBackend\", type: .dynamic"))
    let source = try String(
      contentsOfFile: folder + "/Sources/SlurmBackend/SlurmCluster.swift", encoding: .utf8)
    #expect(source.contains("public final class SlurmCluster: ClusterBackend"))
    #expect(source.contains("$0.export(SlurmCluster.self)"))
    #expect(!source.contains("__"))
  }

  @Test func urlVersionAndLocalPathAreOptions() throws {
    let byURL = try TemporaryDirectory.make() + "/A"
    let url = try CommandRunner.shoal([
      "plugin", "new", "ABackend", "--path", byURL, "--shoal-url", "file:///srv/git/shoal.git",
      "--shoal-version", "0.9.1",
    ])
    #expect(url.status == 0, "\(url.stderr)")
    let urlManifest = try String(contentsOfFile: byURL + "/Package.swift", encoding: .utf8)
    #expect(urlManifest.contains(".package(url: \"file:///srv/git/shoal.git\", from: \"0.9.1\"),"))
    let byPath = try TemporaryDirectory.make() + "/B"
    let path = try CommandRunner.shoal([
      "plugin", "new", "BBackend", "--path", byPath, "--shoal-path", BuildProducts.repositoryRoot,
    ])
    #expect(path.status == 0, "\(path.stderr)")
    let pathManifest = try String(contentsOfFile: byPath + "/Package.swift", encoding: .utf8)
    #expect(
      pathManifest.contains(
        ".package(name: \"shoal\", path: \"\(BuildProducts.repositoryRoot)\"),"))
  }

  @Test func refusesANonEmptyFolderAndWritesNothing() throws {
    let folder = try TemporaryDirectory.make()
    try "keep".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
    let output = try CommandRunner.shoal(["plugin", "new", "MyBackend", "--path", folder])
    #expect(output.status != 0)
    #expect(output.stderr.contains("already exists and is not empty; nothing was written"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/Package.swift"))
  }

  @Test(arguments: ["my-backend", "9Lives", "My.Backend"])
  func refusesANameThatIsNoIdentifier(_ name: String) throws {
    let folder = try TemporaryDirectory.make() + "/out"
    let output = try CommandRunner.shoal(["plugin", "new", name, "--path", folder])
    #expect(output.status != 0)
    #expect(output.stderr.contains("is not a Swift identifier"))
  }

  @Test func refusesAShoalPathThatIsNoCheckout() throws {
    let folder = try TemporaryDirectory.make() + "/out"
    let output = try CommandRunner.shoal([
      "plugin", "new", "MyBackend", "--path", folder, "--shoal-path", "/tmp",
    ])
    #expect(output.status != 0)
    #expect(output.stderr.contains("is not a Shoal checkout"))
  }
}
