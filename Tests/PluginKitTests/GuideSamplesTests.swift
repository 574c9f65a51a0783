import Foundation
import ShoalTestSupport
import Testing

/// The Swift samples of docs/writing-a-backend.md compile as written: the package
/// manifest, the backend class of section 2 (its blocks in order), the other
/// top-level samples and the test samples become a package that depends on Shoal by
/// URL and version (see `ExampleBuild`); it is built, and its own tests run.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SHOAL_SKIP_EXAMPLES"] != "1"))
struct GuideSamplesTests {
  static let guide = BuildProducts.repositoryRoot + "/docs/writing-a-backend.md"

  /// The ```swift blocks of the guide, with the heading of the section each is in.
  static func blocks() throws -> [(section: String, code: String)] {
    let text = try String(contentsOfFile: guide, encoding: .utf8)
    var blocks: [(String, String)] = []
    var section = ""
    var current: [Substring]? = nil
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if current == nil, line.hasPrefix("## ") { section = String(line.dropFirst(3)) }
      if current == nil, line == "```swift" {
        current = []
      } else if current != nil, line == "```" {
        blocks.append((section, current!.joined(separator: "\n") + "\n"))
        current = nil
      } else if current != nil {
        current!.append(line)
      }
    }
    return blocks
  }

  @Test func everySwiftSampleOfTheGuideCompilesAndItsTestsPass() throws {
    let package = try TemporaryDirectory.make("shoal-guide") + "/MyBackend"
    var files: [String: String] = [:]
    var seen = Set<String>()
    var classSource = ""
    for (index, block) in try Self.blocks().enumerated() where seen.insert(block.code).inserted {
      let code = block.code
      if code.contains("import PackageDescription") {
        files["Package.swift"] = code
      } else if code.contains("public protocol ClusterBackend") {
        continue  // the SDK's own protocol, listed for reading
      } else if block.section.hasPrefix("2. The backend class") {
        classSource += code
      } else if code.contains("@Suite") {
        files["Tests/MyBackendTests/Sample\(index).swift"] = code
      } else {
        files["Sources/MyBackend/Sample\(index).swift"] =
          "import ShoalCore\n#if canImport(Glibc)\n  import Glibc\n#endif\n\n" + code
      }
    }
    files["Sources/MyBackend/MyCluster.swift"] = classSource
    #expect(files["Package.swift"] != nil)
    #expect(classSource.contains("public final class MyCluster: ClusterBackend"))
    #expect(files.keys.contains { $0.hasPrefix("Tests/") })
    for (path, contents) in files {
      let full = package + "/" + path
      try FileManager.default.createDirectory(
        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try contents.write(toFile: full, atomically: true, encoding: .utf8)
    }
    // The examples' shared scratch folder: the same dependencies, built once.
    try ExampleBuild.swift(["build", "--build-tests"], package: package)
    let test = try ExampleBuild.swift(
      ["test", "--skip-build", "--filter", "MyClusterOptionsTests"], package: package)
    let output = test.stdout + test.stderr
    #expect(output.contains("negativeWorkerCountIsRefused() passed"), "\(output.suffix(3000))")
  }
}
