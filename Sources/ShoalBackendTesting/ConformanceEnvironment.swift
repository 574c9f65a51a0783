import Foundation
import ShoalCore
import ShoalPluginHost

/// Where the kit finds `shoal` and the plugin library, from a third-party package's
/// tests as well as from Shoal's own.
enum ConformanceEnvironment {
  /// The folder of the running test binary (`.build/debug`), where SwiftPM puts the
  /// package's products, including `shoal` when the test target depends on it.
  static var buildFolder: String {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    var folder = (executable as NSString).deletingLastPathComponent
    if folder.hasSuffix(".xctest") { folder = (folder as NSString).deletingLastPathComponent }
    return folder
  }

  /// The `shoal` executable: `explicit`, `$SHOAL_EXECUTABLE`, the build folder, `$PATH`.
  static func shoalExecutable(explicit: String?) throws -> String {
    let environment = ProcessInfo.processInfo.environment
    var tried: [String] = []
    var candidates: [String] = []
    if let explicit { candidates.append(explicit) }
    if let variable = environment["SHOAL_EXECUTABLE"] { candidates.append(variable) }
    candidates.append(buildFolder + "/shoal")
    for folder in (environment["PATH"] ?? "").split(separator: ":") {
      candidates.append("\(folder)/shoal")
    }
    for candidate in candidates {
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      tried.append(candidate)
    }
    throw ShoalError(
      .invalidState,
      "no `shoal` executable for the workers; tried:\n"
        + tried.prefix(4).map { "  \($0)" }.joined(separator: "\n"),
      hint:
        "let the test target depend on `.product(name: \"shoal\", package: \"Shoal\")` and run"
        + " `swift build --build-tests`, or set SHOAL_EXECUTABLE")
  }

  /// The plugin search path: `explicit` folders, `$SHOAL_PLUGIN_PATH`, the build folder,
  /// each labelled the way a test sets it (not the way `shoal` does: a test has no
  /// `--plugin-path`, and the build folder is the test binary's).
  static func loader(explicit: [String]) -> PluginLoader {
    let standard = PluginSearchPath.standard(
      commandLine: explicit, executableDirectory: buildFolder)
    let folders = standard.folders.map { folder in
      var folder = folder
      switch folder.origin {
      case "--plugin-path": folder.origin = "pluginPath: of BackendConformance"
      case "next to the shoal executable": folder.origin = "next to the test binary"
      default: break
      }
      return folder
    }
    return PluginLoader(searchPath: PluginSearchPath(folders: folders))
  }

  /// A new private folder for a cluster's state and logs.
  static func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "shoal-conformance-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// A fresh random token.
  static func token() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in String(generator.next() % 16, radix: 16) }.joined()
  }
}

/// Processes on this machine whose command line mentions a text (the scheduler's
/// address): the workers of a cluster, wherever the backend started them from.
enum ProcessTable {
  /// Pids of live processes whose arguments contain `text`, other than this one.
  static func pids(mentioning text: String) -> [Int32] {
    let me = ProcessInfo.processInfo.processIdentifier
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
      guard pid != me,
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty,
        !isZombie(pid)
      else { return false }
      let arguments = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
      return arguments.contains(text)
    }
  }

  static func isZombie(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
  }
}
