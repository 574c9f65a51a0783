import ShoalCore
import ShoalPluginHost
import Testing

/// The loader against real libraries in the build folder (the test binary's folder).
@Suite struct LoaderTests {
  let loader = PluginLoader(searchPath: .standard(environment: [:]))

  @Test func pluginClassWorksThroughTheCTable() throws {
    let plugin = try loader.load(module: "FixturePlugin")
    #expect(plugin.abiVersion == PluginLoader.abiVersion)
    #expect(plugin.sdk == "ShoalCore \(PluginABI.sdkVersion) (Swift)")
    let resolved = try loader.backend("FixturePlugin.FixtureCluster")
    let backend = try resolved.make(["n_workers": 3, "label": "x"])
    #expect(backend.initialWorkers == 3)
  }

  @Test func factoriesAndTasksResolve() async throws {
    let resolved = try loader.backend("FixturePlugin.make_fixture")
    #expect(resolved.isFactory)
    #expect(try resolved.make([:]).initialWorkers == 1)
    let echo = try loader.task("Echo", in: "FixturePlugin")
    #expect(try await echo.run(Array("\"hi\"".utf8)) == Array("\"hi\"".utf8))
  }

  @Test func missingLibraryListsEveryFolderSearched() {
    let loader = PluginLoader(
      searchPath: .standard(
        commandLine: ["/nonexistent/a"], environment: ["SHOAL_PLUGIN_PATH": "/nonexistent/b"]))
    let error = #expect(throws: ShoalError.self) { try loader.backend("NoSuch.Cluster") }
    #expect(error?.code == .pluginNotFound)
    #expect(error?.message.contains("libNoSuch.so") == true)
    #expect(error?.message.contains("/nonexistent/a (--plugin-path)") == true)
    #expect(error?.message.contains("/nonexistent/b ($SHOAL_PLUGIN_PATH)") == true)
    #expect(error?.message.contains("(next to the shoal executable)") == true)
  }

  @Test func misspeltModuleSuggestsALibraryOnThePath() {
    let error = #expect(throws: ShoalError.self) {
      try loader.backend("FixturePlugins.FixtureCluster")
    }
    #expect(error?.code == .pluginNotFound)
    #expect(
      error?.message.contains("for module `FixturePlugins` (did you mean `FixturePlugin`, ")
        == true,
      "\(error.map { "\($0)" } ?? "")")
    #expect(error?.message.contains("/libFixturePlugin.so?); searched:\n") == true)
    // Nothing close: no suggestion.
    let far = #expect(throws: ShoalError.self) { try loader.backend("Unrelated.Cluster") }
    #expect(far?.message.contains("did you mean") == false, "\(far.map { "\($0)" } ?? "")")
  }

  @Test func missingClassListsExports() {
    let error = #expect(throws: ShoalError.self) {
      try loader.backend("FixturePlugin.FixtureClustr")
    }
    #expect(error?.code == .notExported)
    #expect(error?.message.contains("it exports FixtureCluster, make_fixture") == true)
    #expect(error?.message.contains("did you mean `FixtureCluster`?") == true)
  }

  @Test func libraryWithoutEntryPointIsNotAPlugin() {
    let error = #expect(throws: ShoalError.self) { try loader.backend("NotAPlugin.Anything") }
    #expect(error?.code == .notAPlugin)
    #expect(error?.message.contains("no `shoal_plugin_table` entry point") == true)
  }

  @Test func bareNameFindsAPluginOnThePath() throws {
    let resolved = try loader.backend("FixtureCluster")
    #expect(resolved.importPath.description == "FixturePlugin.FixtureCluster")
  }

  @Test func kwargsAreValidatedAtLoad() throws {
    let resolved = try loader.backend("FixturePlugin.FixtureCluster")
    let error = #expect(throws: ShoalError.self) { try resolved.make(["n_worker": 2]) }
    #expect(error?.message == "unknown key `n_worker`; did you mean `n_workers`?")
  }
}
