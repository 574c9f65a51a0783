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
      processes (ready to adapt), its `shoal_plugin_entry`, a test that runs Shoal's
      conformance kit against it, a clusters.yaml that selects it and a README. It
      depends on this Shoal checkout by path and builds with the same toolchain.

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

  @Option(help: "The Shoal checkout to depend on (default: the one this shoal was built from).")
  var shoalPath: String?

  func run() async throws {
    do {
      guard let shoal = shoalPath ?? PluginScaffold.buildCheckout() else {
        throw ShoalError(
          .invalidState, "cannot find the Shoal checkout this shoal was built from",
          hint: "pass --shoal-path DIR (a clone of Shoal, the folder holding Sources/ShoalCore)")
      }
      let current = FileManager.default.currentDirectoryPath
      let folder = path ?? name
      let directory = folder.hasPrefix("/") ? folder : current + "/" + folder
      // A relative --shoal-path is written as is: Package.swift reads it from the package.
      let checkout =
        shoal.hasPrefix("/")
        ? shoal
        : URL(fileURLWithPath: directory + "/" + shoal).standardized.path
      if !PluginScaffold.isCheckout(checkout) {
        throw ShoalError(
          .invalidValue, "\(checkout) is not a Shoal checkout (no Sources/ShoalCore/Package.swift)",
          hint: "pass --shoal-path DIR with the folder that holds Sources/ShoalCore"
            + " (a relative path is taken from the new package's folder)")
      }
      let scaffold = PluginScaffold(
        module: name, className: className ?? PluginScaffold.defaultClassName(module: name),
        directory: directory, shoalPath: shoal)
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
