import ShoalCore
import ShoalPluginHost
import Testing

/// The mistakes a plugin author makes, each reported with what and where, and the fix.
@Suite struct PluginAuthorErrorTests {
  let loader = PluginLoader(searchPath: .standard(environment: [:]))


  @Test func libraryWithoutEntryPointIsNotAPlugin() throws {
    let error = try #require(throws: ShoalError.self) { try loader.load(module: "NotAPlugin") }
    #expect(error.code == .notAPlugin)
    #expect(error.message.contains("shoal_plugin_table"))
  }

  @Test func conformingClassThatIsNotExportedIsExplained() throws {
    let error = try #require(throws: ShoalError.self) {
      try loader.backend("FaultyPlugin.UnexportedCluster")
    }
    #expect(error.code == .notExported)
    #expect(error.message.contains("IgnoringCluster"))
    #expect(error.hint?.contains("exists in the library but is not exported") == true)
    #expect(error.hint?.contains("$0.export(UnexportedCluster.self)") == true)
  }

  @Test(arguments: [("ClusterOptions", "class"), ("WorkerTemplate", "struct")])
  func typeThatDoesNotConformIsExplained(name: String, kind: String) throws {
    let error = try #require(throws: ShoalError.self) { try loader.backend("FaultyPlugin.\(name)") }
    #expect(error.code == .notExported)
    #expect(
      error.hint?.contains("\(kind) `FaultyPlugin.\(name)` exists in the library but is not exported")
        == true)
  }

  @Test func nameThatIsNoTypeAtAllGetsASuggestion() throws {
    let error = try #require(throws: ShoalError.self) {
      try loader.backend("FixturePlugin.FixtureClustr")
    }
    #expect(error.code == .notExported)
    #expect(error.message.contains("did you mean `FixtureCluster`"))
    #expect(error.hint == nil)
  }

  @Test func backendThatNeverReadsItsKwargsIsCaught() throws {
    let resolved = try loader.backend("FaultyPlugin.IgnoringCluster")
    let given: Kwargs = ["n_workers": 2]
    let kwargs = given.rooted(at: "clusters.mine.cluster_kwargs")
    let error = try #require(throws: ShoalError.self) { try resolved.make(kwargs) }
    #expect(error.code == .kwargsIgnored)
    #expect(error.keyPath == "clusters.mine.cluster_kwargs")
    #expect(error.message.contains("FaultyPlugin.IgnoringCluster never read `n_workers`"))
    #expect(error.hint?.contains("kwargs.decode(Options.self)") == true)
    // With nothing to read there is nothing to ignore.
    _ = try resolved.make(.empty(path: "clusters.mine.cluster_kwargs"))
  }

  @Test func backendThatReadsSomeKeysByHandIsCaughtForTheOthers() throws {
    let resolved = try loader.backend("FaultyPlugin.HalfReadingCluster")
    let backend = try resolved.make(["n_workers": 3])
    #expect(backend.initialWorkers == 3)
    let error = try #require(throws: ShoalError.self) {
      try resolved.make(["n_workers": 3, "label": "x"])
    }
    #expect(error.code == .kwargsIgnored)
    #expect(error.message.contains("never read `label`"))
  }

  @Test func factoryThatDropsItsKwargsIsCaught() throws {
    let resolved = try loader.backend("FaultyPlugin.make_ignoring")
    #expect(resolved.isFactory)
    let error = try #require(throws: ShoalError.self) { try resolved.make(["n_workers": 1]) }
    #expect(error.code == .kwargsIgnored)
  }

  @Test func ignoredKeyIsReportedAtItsPosition() throws {
    let key = SourceLocation(file: "clusters.yaml", line: 5, column: 7)
    let kwargs = Kwargs(
      .map([(key: "n_workers", keyLocation: key, value: Kwargs(.scalar("2", quoted: false)))]),
      path: "clusters.mine.cluster_kwargs")
    let error = try #require(throws: ShoalError.self) {
      try KwargsAudit.make(kwargs, backend: "Mine.Cluster") { _ in 0 }
    }
    #expect(error.location == key)
    #expect(error.description.hasPrefix("clusters.yaml:5:7: clusters.mine.cluster_kwargs: "))
  }

  @Test func decodingMarksEveryKeyItRequestsAsRead() throws {
    struct Options: Decodable {
      var a: Int
      var b: String?
    }
    let kwargs: Kwargs = ["a": 1, "b": "x"]
    let options = try KwargsAudit.make(kwargs, backend: "T") { try $0.decode(Options.self) }
    #expect(options.a == 1)
    // An unknown key is still the decoder's own, more precise error.
    let error = try #require(throws: ShoalError.self) {
      try KwargsAudit.make(["a": 1, "c": 2], backend: "T") { try $0.decode(Options.self) }
    }
    #expect(error.code == .unknownKey)
  }
}
