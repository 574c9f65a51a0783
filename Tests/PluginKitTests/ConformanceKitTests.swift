import ShoalBackendTesting
import ShoalCore
import Testing

/// The kit fails backends that break a rule, and says which rule: each FaultyPlugin
/// backend below conforms except for one bug.
@Suite(.serialized) struct ConformanceKitTests {
  func kit(_ name: String) -> BackendConformance {
    BackendConformance(
      clusterClass: "FaultyPlugin.\(name)", kwargs: ["n_workers": 1], timeout: .seconds(4))
  }

  /// Runs `check` against `name` and returns the failure it must produce.
  func failure(_ name: String, _ check: BackendConformance.Check) async throws -> ConformanceFailure
  {
    try await #require(throws: ConformanceFailure.self) { try await kit(name).run(check) }
  }

  @Test func theReferenceBackendPassesEveryCheck() async throws {
    try await kit("MisbehavingCluster").runAll()
  }

  @Test func workersConnectingUnderOtherNamesFailStart() async throws {
    let failure = try await failure("MisnamedCluster", .start)
    #expect(failure.check == "start")
    #expect(failure.message.contains("under the names that workers() reports"))
    #expect(failure.message.contains("other-conformance-0"))
  }

  @Test func workersLeftRunningAfterCloseFailClose() async throws {
    let failure = try await failure("LeakyCluster", .close)
    #expect(failure.message.contains("processes of the cluster are still running"))
  }

  @Test func runThatNeverReturnsFailsEveryClusterCheck() async throws {
    let failure = try await failure("StubbornCluster", .start)
    #expect(failure.message.contains("expected run(context:) returns after it is cancelled"))
  }

  @Test func deadWorkerNeverReportedFailsWorkerDeath() async throws {
    let failure = try await failure("BlindCluster", .workerDeath)
    #expect(failure.message.contains("to report that conformance-0 died"))
  }

  @Test func stopThatStopsNothingFailsScaleDownWithRetirement() async throws {
    let failure = try await failure("IdleStopCluster", .scaleDownWithRetirement)
    #expect(failure.check == "scale_down_with_retirement")
    #expect(failure.message.contains("stop(workers: [conformance-"), "\(failure.message)")
    #expect(failure.message.contains("that was not retired"), "\(failure.message)")
  }

  @Test func widenedAdaptBoundsFailAdaptSettings() async throws {
    let failure = try await failure("GreedyCluster", .adaptSettings)
    #expect(failure.message.contains("not inside the requested bounds"))
  }

  @Test func ignoredKwargsAreTheCoresErrorAndPassKwargsErrors() async throws {
    // The core's audit reports the ignored key with its key path, so even a backend
    // that forgets to validate passes this check; its `start` fails instead.
    let kit = BackendConformance(clusterClass: "FaultyPlugin.IgnoringCluster")
    try await kit.run(.kwargsErrors)
  }

  @Test func scaleThatStartsNothingFailsStartWithWhatWasSeen() async throws {
    let failure = try await failure("IgnoringCluster", .start)
    #expect(failure.message.contains("refused the kit's cluster_kwargs"))
    let empty = BackendConformance(
      clusterClass: "FaultyPlugin.IgnoringCluster", timeout: .seconds(2))
    let timedOut = try await #require(throws: ConformanceFailure.self) {
      try await empty.run(.start)
    }
    #expect(timedOut.message.contains("1 workers connected"))
    #expect(timedOut.message.contains("last seen: scheduler has workers []"))
  }

  @Test func missingLibraryIsExplained() async throws {
    let failure = try await failure("NoSuchCluster", .start)
    #expect(failure.message.contains("cannot load `FaultyPlugin.NoSuchCluster`"))
    #expect(failure.message.contains("swift build --build-tests"))
    let missing = try await #require(throws: ConformanceFailure.self) {
      try await BackendConformance(clusterClass: "NoSuchBackend.NoSuchCluster").run(.start)
    }
    // A test sets the path with pluginPath: or $SHOAL_PLUGIN_PATH; it has no --plugin-path.
    #expect(missing.message.contains("(next to the test binary)"), "\(missing.message)")
    #expect(missing.message.contains("pluginPath: [FOLDER]"), "\(missing.message)")
    #expect(missing.message.contains("$SHOAL_PLUGIN_PATH"), "\(missing.message)")
    #expect(!missing.message.contains("--plugin-path"), "\(missing.message)")
    #expect(!missing.message.contains("shoal executable"), "\(missing.message)")
    #expect(!missing.message.contains("does not build"), "\(missing.message)")
  }
}
