import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// `shoal plugins`: the plugin search path and what each library on it exports.
struct PluginsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plugins",
    abstract: "List the plugin search path and the libraries on it.",
    discussion: """
      The search path is, in order: --plugin-path, $SHOAL_PLUGIN_PATH \
      (colon-separated), `plugin_path` in clusters.yaml (when one is found), \
      then the folder of the shoal executable. For each lib*.so found: its ABI \
      version and the backend classes, factories and tasks it exports, or why \
      it cannot be loaded.

      Examples:
        shoal plugins
        shoal plugins --plugin-path ~/my-backend/.build/debug --json
      """)

  @OptionGroup var options: ConfigOptions
  @Flag(help: "Print JSON.") var json = false

  func run() async throws {
    try withErrorReporting {
      let config = try options.loadConfigIfPresent()
      let report = PluginReport(loader: options.loader(config: config))
      if json {
        try JSONOutput.print(report)
      } else {
        print(Self.render(report, configFile: config?.file), terminator: "")
      }
    }
  }

  static func render(_ report: PluginReport, configFile: String?) -> String {
    var text = "Plugin search path (ABI \(report.abiVersion)"
    text += configFile.map { "; config \($0))" } ?? "; no clusters.yaml)"
    text += ":\n"
    if report.searchPath.isEmpty { text += "  (empty)\n" }
    for folder in report.searchPath {
      text += "  \(folder.path)  (\(folder.origin))\(folder.exists ? "" : " [missing]")\n"
    }
    text += "\nLibraries:\n"
    if report.libraries.isEmpty { text += "  (none found)\n" }
    for library in report.libraries {
      text += "  \(library.module)  \(library.path)\n"
      if let error = library.error {
        text += "    error: " + error.replacingOccurrences(of: "\n", with: "\n    ") + "\n"
        continue
      }
      func names(_ list: [String]) -> String { list.isEmpty ? "-" : list.joined(separator: ", ") }
      text += "    ABI \(library.abiVersion ?? "?"), built with \(library.sdk ?? "?")\n"
      text += "    classes:   \(names(library.classes))\n"
      text += "    factories: \(names(library.factories))\n"
      text += "    tasks:     \(names(library.tasks))\n"
    }
    return text
  }
}
