import Foundation
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport
import Testing

/// The C boundary against real libraries compiled from C (Tests/Fixtures/CFixtures):
/// the version policy, and every way a plugin can break the ABI, each refused with the
/// library's path and what to do.
@Suite struct PluginABITests {
  func loader(_ folder: String) -> PluginLoader {
    PluginLoader(searchPath: PluginSearchPath(folders: [.init(path: folder, origin: "test")]))
  }

  @Test func pluginOfAnOlderMinorLoadsAndIsUsedWithinItsMinor() async throws {
    let folder = try CPluginBuild.probe(["FIXTURE_MINOR=0"])
    let plugin = try loader(folder).load(module: "Probe")
    #expect(plugin.abiVersion == "\(PluginABI.major).0")
    #expect(plugin.sdk == "C")
    let backend = try loader(folder).backend("Probe.Probe").make(.empty())
    #expect(backend.initialWorkers == 0)
    try await backend.scale(to: 2)
    #expect(await backend.workers().isEmpty)
    // remove_leftovers came with minor 1: the core does not touch that field.
    let cleaner = try #require(backend as? any LeftoverCleaning)
    #expect(try await cleaner.removeLeftovers(clusterName: "x", log: EventLog { _, _ in }).isEmpty)
  }

  @Test func pluginOfANewerMinorIsRefused() throws {
    let folder = try CPluginBuild.probe(["FIXTURE_MINOR=\(PluginABI.minor + 1)"])
    let error = try #require(throws: ShoalError.self) { try loader(folder).load(module: "Probe") }
    #expect(error.code == .abiMismatch)
    #expect(
      error.message.contains(
        "\(folder)/libProbe.so was built for plugin ABI \(PluginABI.major).\(PluginABI.minor + 1)"))
    #expect(
      error.message.contains(
        "this shoal loads plugin ABI \(PluginABI.major).0 to \(PluginLoader.abiVersion)"))
    #expect(error.hint?.contains("needs a newer shoal") == true)
  }

  @Test(arguments: [PluginABI.major - 1, PluginABI.major + 1])
  func pluginOfAnotherMajorIsRefused(major: UInt32) throws {
    let folder = try CPluginBuild.probe(["FIXTURE_MAJOR=\(major)"])
    let error = try #require(throws: ShoalError.self) { try loader(folder).load(module: "Probe") }
    #expect(error.code == .abiMismatch)
    #expect(error.message.contains("built for plugin ABI \(major).\(PluginABI.minor)"))
    #expect(
      error.hint?.contains(major < PluginABI.major ? "rebuild the plugin" : "upgrade shoal") == true
    )
  }

  @Test func pluginOfTheSwiftTypedABIOneIsToldToRebuild() throws {
    let folder = try CPluginBuild.probe(["FIXTURE_LEGACY"])
    let error = try #require(throws: ShoalError.self) { try loader(folder).load(module: "Probe") }
    #expect(error.code == .abiMismatch)
    #expect(error.message.contains("built for plugin ABI 1"))
    #expect(error.hint?.contains("shoal_plugin_table") == true)
  }

  @Test func tableFunctionReturningNullIsRefused() throws {
    let folder = try CPluginBuild.probe(["FIXTURE_RETURN_NULL"])
    let error = try #require(throws: ShoalError.self) { try loader(folder).load(module: "Probe") }
    #expect(error.code == .notAPlugin)
    #expect(error.message.contains("libProbe.so: `shoal_plugin_table` returned NULL"))
  }

  @Test func classWithoutARequiredFunctionIsRefused() throws {
    let folder = try CPluginBuild.probe(["FIXTURE_MISSING_FUNCTION"])
    let error = try #require(throws: ShoalError.self) { try loader(folder).load(module: "Probe") }
    #expect(error.code == .notAPlugin)
    #expect(error.message.contains("class `Probe` lacks a required function"))
  }

  @Test func malformedErrorObjectIsReportedAsSuch() throws {
    let folder = try CPluginBuild.probe(["FIXTURE_MALFORMED_ERROR"])
    let resolved = try loader(folder).backend("Probe.Probe")
    let error = try #require(throws: ShoalError.self) { try resolved.make(.empty()) }
    #expect(error.code == .backendFailed)
    #expect(
      error.message.contains(
        "reported an error that is not a valid error object: `it broke <not json>`"))
  }

  @Test func synchronousCallWithoutAReplyIsRefused() throws {
    let folder = try CPluginBuild.probe(["FIXTURE_NO_REPLY"])
    let resolved = try loader(folder).backend("Probe.Probe")
    let error = try #require(throws: ShoalError.self) { try resolved.make(.empty()) }
    #expect(error.code == .backendFailed)
    #expect(error.message.contains("Probe.Probe: describe returned without replying"))
  }

  @Test func keyPathOfAPluginErrorBecomesTheYAMLPosition() throws {
    let folder = try CPluginBuild.probe(["FIXTURE_KEYPATH_ERROR"])
    let resolved = try loader(folder).backend("Probe.Probe")
    let location = SourceLocation(file: "clusters.yaml", line: 7, column: 18)
    let kwargs = Kwargs(
      .map([
        (
          "n_workers", SourceLocation(file: "clusters.yaml", line: 7, column: 7),
          Kwargs(.scalar("3", quoted: false), location: location)
        )
      ]),
      location: SourceLocation(file: "clusters.yaml", line: 7, column: 5)
    ).rooted(at: "clusters.odd.cluster_kwargs")
    let error = try #require(throws: ShoalError.self) { try resolved.make(kwargs) }
    #expect(error.code == .invalidValue)
    #expect(error.location == location)
    #expect(error.keyPath == "clusters.odd.cluster_kwargs.n_workers")
    #expect(error.hint == "use 2 or 4")
  }
}

/// The cluster context as it crosses the C boundary (`run`'s JSON).
@Suite struct ClusterContextPayloadTests {
  @Test func theWorkersSecretFileCrossesTheBoundaryAndIsOptional() throws {
    var context = ClusterContext(
      clusterName: "c", clusterID: "c-1", schedulerAddress: "tcp://127.0.0.1:1", token: "t",
      workerExecutable: "/bin/shoal", stateDirectory: "/state", tokenFile: "/state/worker-secret")
    let log = EventLog { _, _ in }
    let decoded = try ABIPayload.clusterContext(ABIPayload.encode(context), log: log)
    #expect(decoded.tokenFile == "/state/worker-secret")
    #expect(decoded.token == "t")
    // With the file, a launch names it and keeps the token out of the environment.
    let launch = decoded.workerLaunch(name: "w", nthreads: 1)
    #expect(launch.arguments.suffix(2) == ["--token-file", "/state/worker-secret"])
    #expect(launch.environment["SHOAL_TOKEN"] == nil && launch.token == nil)
    // Without one (an older core, a context made by hand): SHOAL_TOKEN, as before.
    context.tokenFile = nil
    let plain = try ABIPayload.clusterContext(ABIPayload.encode(context), log: log)
    #expect(plain.tokenFile == nil)
    #expect(!plain.workerLaunch(name: "w", nthreads: 1).arguments.contains("--token-file"))
    #expect(plain.workerLaunch(name: "w", nthreads: 1).environment["SHOAL_TOKEN"] == "t")
  }
}
