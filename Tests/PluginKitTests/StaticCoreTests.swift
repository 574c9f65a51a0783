import Foundation
import ShoalCore
import ShoalTestSupport
import Testing

/// A plugin that compiles ShoalCore's sources into itself instead of linking
/// libShoalCore.so: the one way a class "does not conform" despite the typed export
/// API (it conforms to its own copy of `ClusterBackend`). The loader must refuse it.
@Suite(.serialized) struct StaticCoreTests {
  /// Writes a package whose plugin target depends on a plain (static) ShoalCore
  /// target made of a copy of ShoalCore's sources, and builds it.
  static func buildPlugin() throws -> String {
    let root = ExampleBuild.scratch("StaticCorePlugin")
    let package = root + "/package"
    let manager = FileManager.default
    try? manager.removeItem(atPath: package + "/Sources")
    let core = BuildProducts.repositoryRoot + "/Sources/ShoalCore/Sources/ShoalCore"
    try manager.createDirectory(
      atPath: package + "/Sources/ShoalCore", withIntermediateDirectories: true)
    try manager.createDirectory(
      atPath: package + "/Sources/StaticCorePlugin", withIntermediateDirectories: true)
    for file in try manager.contentsOfDirectory(atPath: core) where file.hasSuffix(".swift") {
      try manager.copyItem(
        atPath: core + "/" + file, toPath: package + "/Sources/ShoalCore/" + file)
    }
    try """
    // swift-tools-version: 6.1
    import PackageDescription
    let package = Package(
      name: "StaticCorePlugin",
      products: [.library(name: "StaticCorePlugin", type: .dynamic, targets: ["StaticCorePlugin"])],
      targets: [
        .target(name: "ShoalCore", swiftSettings: [.swiftLanguageMode(.v6)], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "StaticCorePlugin", dependencies: ["ShoalCore"]),
      ])
    """.write(toFile: package + "/Package.swift", atomically: true, encoding: .utf8)
    try """
    import ShoalCore
    public final class CopiedCluster: ClusterBackend {
      public let initialWorkers = 0
      public init(kwargs: Kwargs) throws { _ = try kwargs.decode([String: Int].self) }
      public func run(context: ClusterContext) async throws {}
      public func scale(to count: Int) async throws {}
      public func stop(workers names: [String]) async throws {}
      public func workers() async -> [WorkerStatus] { [] }
    }
    @_cdecl("shoal_plugin_entry")
    public func shoalPluginEntry(_ exports: UnsafeMutableRawPointer?) -> Int32 {
      PluginABI.entry(exports) { $0.export(CopiedCluster.self) }
    }
    """.write(
      toFile: package + "/Sources/StaticCorePlugin/CopiedCluster.swift", atomically: true,
      encoding: .utf8)
    try ExampleBuild.swift(["build"], package: package, scratch: "StaticCorePlugin/build")
    return ExampleBuild.scratch("StaticCorePlugin/build") + "/debug/libStaticCorePlugin.so"
  }

  @Test func pluginWithItsOwnCopyOfShoalCoreIsRefused() throws {
    let library = try Self.buildPlugin()
    #expect(try !ExampleBuild.neededLibraries(library).contains("libShoalCore.so"))
    let error = try #require(throws: ShoalError.self) {
      try PluginLoader.load(path: library, module: "StaticCorePlugin")
    }
    #expect(error.code == .notAPlugin)
    #expect(error.message.contains("carries its own copy of ShoalCore"))
    #expect(error.hint?.contains("NEEDED libShoalCore.so") == true)
    // The same error through the CLI, which a user sees.
    let output = try CommandRunner.shoal(
      ["plugins"],
      environment: ["SHOAL_PLUGIN_PATH": (library as NSString).deletingLastPathComponent])
    #expect(
      output.stdout.contains("carries its own copy of ShoalCore"),
      "\(output.stdout)\(output.stderr)")
  }
}
