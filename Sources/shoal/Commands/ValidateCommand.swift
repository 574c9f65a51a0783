import ArgumentParser
import Shoal
import ShoalCore

/// `shoal validate`: parse clusters.yaml and load every backend without starting anything.
struct ValidateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check clusters.yaml and every cluster's backend, starting nothing.",
    discussion: """
      Parses the file (syntax, types, unknown keys, address conflicts, adapt bounds, \
      `default`, `version`), then loads each `cluster_class` from the plugin search \
      path and makes the backend from its `cluster_kwargs`, which validates them. \
      Every problem is printed as `error: FILE:LINE:COL: key.path: message`; the exit \
      status is 0 only when there is none.

      Examples:
        shoal validate
        shoal validate --config ops/clusters.yaml
        shoal validate --plugin-path ~/my-plugins/.build/release
      """)

  @OptionGroup var options: ConfigOptions

  func run() async throws {
    try withErrorReporting {
      let config = try options.loadConfig()
      let checks = config.checkBackends(loader: options.loader(config: config))
      let errors = checks.compactMap(\.error)
      for error in errors { ErrorReporting.report(error) }
      guard errors.isEmpty else { throw ExitCode.failure }
      for check in checks {
        if let note = check.adaptNote {
          print("note: \(check.cluster.keyPath).adapt_kwargs: \(note)")
        }
      }
      let names = config.clusterNames.joined(separator: ", ")
      let count = config.clusters.count
      print(
        "\(config.file): OK, \(count) cluster\(count == 1 ? "" : "s") (\(names))"
          + (config.defaultCluster.map { "; default: \($0)" } ?? ""))
    }
  }
}
