import Foundation
import ShoalTestSupport

/// Builds the packages under Examples/ (and generated ones) with `swift build`, each in
/// its own scratch folder under the repository's ignored `.build-examples/`, so that a
/// second run is incremental (a first one builds SwiftNIO again: minutes on 2 cores).
enum ExampleBuild {
  /// `.build-examples/` at the repository root.
  static let scratchRoot = BuildProducts.repositoryRoot + "/.build-examples"

  /// `Examples/NAME`.
  static func examplePackage(_ name: String) -> String {
    BuildProducts.repositoryRoot + "/Examples/" + name
  }

  /// The scratch folder of a package (`.build-examples/NAME`).
  static func scratch(_ name: String) -> String { scratchRoot + "/" + name }

  /// The folder the products land in (`.build-examples/NAME/debug`).
  static func products(_ name: String) -> String { scratch(name) + "/debug" }

  /// Runs `swift ARGUMENTS` (build or test) for the package at `path`; a failure
  /// carries the tail of its output.
  @discardableResult
  static func swift(
    _ arguments: [String], package path: String, scratch name: String,
    environment: [String: String] = [:]
  ) throws -> CommandOutput {
    func run() throws -> CommandOutput {
      try CommandRunner.run(
        "/usr/bin/env",
        ["swift"] + arguments + ["--package-path", path, "--scratch-path", scratch(name)],
        environment: environment, timeout: 3600)
    }
    var output = try run()
    // The first incremental build after files were added to Shoal (a path dependency)
    // can miss them ("cannot find type ..."); the next one plans again and succeeds.
    if output.status != 0 && arguments.first == "build" { output = try run() }
    guard output.status == 0 else {
      throw ExampleFailure(
        "`swift \(arguments.joined(separator: " "))` in \(path) exited \(output.status):\n"
          + String((output.stdout + output.stderr).suffix(4000)))
    }
    return output
  }

  /// The NEEDED entries of an ELF file, from `readelf -d`.
  static func neededLibraries(_ file: String) throws -> [String] {
    let output = try CommandRunner.run("/usr/bin/env", ["readelf", "-d", file])
    return output.stdout.split(separator: "\n").compactMap { line in
      guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["),
        let close = line.lastIndex(of: "]")
      else { return nil }
      return String(line[line.index(after: open)..<close])
    }
  }
}

/// A step of an example that failed, with the output that says why.
struct ExampleFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
