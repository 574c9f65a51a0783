import Foundation
import ShoalCore

/// Writes a new backend plugin package: the work behind `shoal plugin new`.
struct PluginScaffold {
  /// The package, module and library name (`MyBackend`).
  var module: String
  /// The backend class (`MyCluster`).
  var className: String
  /// The folder that receives the package.
  var directory: String
  /// How the plugin's Package.swift depends on Shoal.
  var dependency: ShoalDependency

  /// The class a module is given by default: `MyBackend` -> `MyCluster`, `Slurm` -> `SlurmCluster`.
  static func defaultClassName(module: String) -> String {
    module.hasSuffix("Backend") && module != "Backend"
      ? String(module.dropLast("Backend".count)) + "Cluster" : module + "Cluster"
  }

  /// Whether `path` is a Shoal checkout (a --shoal-path must be one).
  static func isCheckout(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: path + "/Sources/CShoalPlugin/include/shoal_plugin.h")
  }

  /// Checks the names, then writes every file; returns their paths. Refuses a folder
  /// that exists and is not empty, so that nothing is overwritten.
  func write() throws -> [String] {
    for (what, name) in [("plugin name", module), ("class name", className)] {
      guard PluginScaffold.isIdentifier(name) else {
        throw ShoalError(
          .invalidValue, "the \(what) `\(name)` is not a Swift identifier",
          hint: "use letters, digits and `_`, starting with a letter (e.g. `SlurmBackend`)")
      }
    }
    guard module != className else {
      throw ShoalError(
        .invalidValue, "the class must not have the module's name `\(module)`",
        hint: "pass --class \(PluginScaffold.defaultClassName(module: module))")
    }
    let manager = FileManager.default
    if let existing = try? manager.contentsOfDirectory(atPath: directory), !existing.isEmpty {
      throw ShoalError(
        .invalidState, "\(directory) already exists and is not empty; nothing was written",
        hint: "choose another --path, or remove the folder")
    }
    var written: [String] = []
    for file in PluginTemplate.files(module: module, className: className, dependency: dependency) {
      let path = directory + "/" + file.path
      try manager.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try file.contents.write(toFile: path, atomically: true, encoding: .utf8)
      written.append(path)
    }
    return written
  }

  static func isIdentifier(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic,
      first.isASCII
    else { return false }
    return text.unicodeScalars.allSatisfy {
      $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
    }
  }
}
