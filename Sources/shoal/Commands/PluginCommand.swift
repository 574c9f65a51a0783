import ArgumentParser
import Foundation
import ShoalCore

/// `shoal plugin`: tools for backend plugin authors.
struct PluginCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plugin",
    abstract: "Create backend plugins (see docs/writing-a-backend.md).",
    subcommands: [PluginNewCommand.self])
}

/// `shoal plugin new NAME`: writes a plugin package that builds and passes its tests.
struct PluginNewCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "new",
    abstract: "Write a new backend plugin package.",
    discussion: """
      Writes a Swift package NAME with a backend class that starts workers as local
      processes (ready to adapt), its `shoal_plugin_table` entry point, a test that runs
      Shoal's conformance kit against it, a clusters.yaml that selects it and a README.
      It depends on Shoal by URL and version (default: the canonical repository and this
      shoal's version); --shoal-path depends on a local checkout instead, for developing
      Shoal itself. Build it with the same Swift toolchain as the shoal that loads it.

      Examples:
        shoal plugin new SlurmBackend                 # ./SlurmBackend, class SlurmCluster
        shoal plugin new MyBackend --path ~/src/my-backend --class MyCluster
        cd SlurmBackend && swift build --build-tests && swift test --skip-build
      """)

  @Argument(help: "The plugin's name: package, module and library (libNAME.so).")
  var name: String

  @Option(help: "The folder to create (default: ./NAME). It must not exist or be empty.")
  var path: String?

  @Option(
    name: .customLong("class"), help: "The backend class (default: NAME with Backend -> Cluster).")
  var className: String?

  @Option(help: "The git URL of Shoal to depend on.")
  var shoalURL: String = ShoalDependency.canonicalURL

  @Option(help: "The Shoal version to depend on (from: VERSION).")
  var shoalVersion: String = ShoalVersion.current

  @Option(help: "Depend on this local Shoal checkout instead of a URL (developing Shoal).")
  var shoalPath: String?

  func run() async throws {
    do {
      let current = FileManager.default.currentDirectoryPath
      let folder = path ?? name
      let directory = folder.hasPrefix("/") ? folder : current + "/" + folder
      var dependency = ShoalDependency.url(shoalURL, version: shoalVersion)
      if let shoal = shoalPath {
        // A relative --shoal-path is written as is: Package.swift reads it from the package.
        let checkout =
          shoal.hasPrefix("/")
          ? shoal : URL(fileURLWithPath: directory + "/" + shoal).standardized.path
        guard PluginScaffold.isCheckout(checkout) else {
          throw ShoalError(
            .invalidValue,
            "\(checkout) is not a Shoal checkout (no Sources/CShoalPlugin/include/shoal_plugin.h)",
            hint: "pass --shoal-path DIR with a clone of Shoal (a relative path is taken from the"
              + " new package's folder), or leave it out to depend on Shoal by URL and version")
        }
        dependency = .path(shoal)
      }
      let scaffold = PluginScaffold(
        module: name, className: className ?? PluginScaffold.defaultClassName(module: name),
        directory: directory, dependency: dependency)
      let files = try scaffold.write()
      print("Wrote \(scaffold.module) (cluster_class: \(scaffold.module).\(scaffold.className)):")
      for file in files { print("  \(file)") }
      print(
        """

        Next:
          cd \(scaffold.directory)
          swift build --build-tests && swift test --skip-build
          shoal validate          # clusters.yaml has plugin_path: [.build/debug]
        """)
    } catch let error as ShoalError {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      throw ExitCode(2)
    }
  }
}
