import Foundation
import ShoalCore
import ShoalTestSupport

/// Builds the packages under Examples/ (and generated ones) with `swift build`, all in
/// one scratch folder under the repository's ignored `.build-examples/`. They all
/// depend on the same tagged Shoal and nothing else, so the packages they check out
/// and the modules those compile to are the same: the first build compiles SwiftNIO,
/// BoringSSL and Shoal (minutes on 2 cores), every later one, of any of the packages,
/// compiles only its own targets. A second run is incremental too.
///
/// They depend on Shoal the way every user does: by URL and version
/// (`https://github.com/shoal-swift/shoal`, `from: VERSION`). Here that URL is a
/// SwiftPM mirror of a bare clone of this checkout's HEAD, tagged with this shoal's
/// version: SwiftPM resolves, checks out and builds it exactly as it would the
/// published repository, path-dependency rules included.
enum ExampleBuild {
  /// The canonical URL the examples and the scaffold name.
  static let canonicalURL = "https://github.com/shoal-swift/shoal"

  /// The bare, tagged clone and the SwiftPM configuration folder that mirrors the
  /// canonical URL to it; made once per test process.
  static let release: Result<(repository: String, configPath: String), ExampleFailure> = {
    do {
      let root = BuildProducts.repositoryRoot
      let head = try git(["-C", root, "rev-parse", "HEAD"]).trimmingCharacters(
        in: .whitespacesAndNewlines)
      // A folder per commit: SwiftPM caches repositories by URL, and a tag that moved
      // under the same URL would not be fetched again.
      let folder = scratchRoot + "/release/" + head
      let repository = folder + "/shoal.git"
      if !FileManager.default.fileExists(atPath: repository + "/HEAD") {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = try git(["clone", "--bare", "--quiet", root, repository])
        _ = try git(["-C", repository, "tag", PluginABI.sdkVersion, head])
      }
      let config = folder + "/config"
      try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
      try """
      {"object": [{"mirror": "file://\(repository)", "original": "\(canonicalURL)"}], "version": 1}
      """.write(toFile: config + "/mirrors.json", atomically: true, encoding: .utf8)
      return .success((repository, config))
    } catch let error as ExampleFailure {
      return .failure(error)
    } catch {
      return .failure(ExampleFailure("cannot make the tagged clone: \(error)"))
    }
  }()

  static func git(_ arguments: [String]) throws -> String {
    let output = try CommandRunner.run("/usr/bin/env", ["git"] + arguments, timeout: 300)
    guard output.status == 0 else {
      throw ExampleFailure("git \(arguments.joined(separator: " ")) failed: \(output.stderr)")
    }
    return output.stdout
  }

  /// `.build-examples/` at the repository root.
  static let scratchRoot = BuildProducts.repositoryRoot + "/.build-examples"

  /// `Examples/NAME`.
  static func examplePackage(_ name: String) -> String {
    BuildProducts.repositoryRoot + "/Examples/" + name
  }

  /// The scratch folder every example package builds in (`.build-examples/packages`).
  static let scratch = scratchRoot + "/packages"

  /// The folder the products of every example package land in (`scratch/debug`).
  static let products = scratch + "/debug"

  /// Runs `swift ARGUMENTS` (build or test) for the package at `path`; a failure
  /// carries the tail of its output.
  @discardableResult
  static func swift(
    _ arguments: [String], package path: String, environment: [String: String] = [:]
  ) throws -> CommandOutput {
    let configPath = try release.get().configPath
    // A Package.resolved of an earlier run may pin another commit of the tag.
    try? FileManager.default.removeItem(atPath: path + "/Package.resolved")
    func run() throws -> CommandOutput {
      try CommandRunner.run(
        "/usr/bin/env",
        ["swift"] + arguments + [
          "--package-path", path, "--scratch-path", scratch, "--config-path", configPath,
        ],
        environment: environment, timeout: 3600)
    }
    var output = try run()
    // An incremental build can miss files added since the last one ("cannot find type
    // ..."); the next one plans again and succeeds.
    if output.status != 0 && arguments.first == "build" { output = try run() }
    guard output.status == 0 else {
      throw ExampleFailure(
        "`swift \(arguments.joined(separator: " "))` in \(path) exited \(output.status):\n"
          + String((output.stdout + output.stderr).suffix(4000)))
    }
    return output
  }
}

/// A step of an example that failed, with the output that says why.
struct ExampleFailure: Error, CustomStringConvertible, Sendable {
  var description: String
  init(_ description: String) { self.description = description }
}
