import Foundation
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport
import Testing

/// Hostile `clusters.yaml` files: numbers that overflow, documents that expand without
/// limit, bytes that are not UTF-8. Each is a located error that states the limit,
/// decided quickly; none traps.
@Suite struct HostileConfigTests {
  func error(_ yaml: String) throws -> ShoalError {
    try #require(throws: ShoalError.self) {
      try ShoalConfig.parse(yaml, file: "bad.yaml", environment: [:])
    }
  }

  static let numberCases: [BadYAML] = [
    BadYAML(
      name: "interval 1e300", yaml: "clusters:\n  a:\n    adapt_kwargs: {interval: 1e300}\n",
      position: "3:30", message: "1e300 is out of range: a duration must be from 0 to 31536000s"),
    BadYAML(
      name: "interval in hours overflows",
      yaml: "clusters:\n  a:\n    adapt_kwargs: {interval: 99999999999999999h}\n",
      position: "3:30", message: "99999999999999999h is out of range"),
    BadYAML(
      name: "target_duration inf",
      yaml: "clusters:\n  a:\n    adapt_kwargs: {target_duration: .inf}\n",
      position: "3:37", message: "expected a duration"),
    BadYAML(
      name: "start timeout 1e20", yaml: "clusters:\n  a:\n    timeouts: {start: 1e20}\n",
      position: "3:23", message: "1e20 is out of range: a duration must be from 0 to"),
    BadYAML(
      name: "minimum over the workers' range",
      yaml: "clusters:\n  a:\n    adapt_kwargs: {minimum: 9223372036854775807}\n",
      position: "3:29", message: "minimum must be from 0 to 100000, found 9223372036854775807"),
    BadYAML(
      name: "maximum over the workers' range",
      yaml: "clusters:\n  a:\n    adapt_kwargs: {maximum: 100001}\n",
      position: "3:29", message: "maximum must be from 0 to 100000"),
    BadYAML(
      name: "wait_count too large for an integer",
      yaml: "clusters:\n  a:\n    adapt_kwargs: {wait_count: 99999999999999999999}\n",
      position: "3:32",
      message:
        "99999999999999999999 is out of range: expected an integer from -9223372036854775808 to 9223372036854775807"
    ),
    BadYAML(
      name: "version too large", yaml: "version: 99999999999999999999\nclusters:\n  a: {}\n",
      position: "1:10", message: "is out of range: expected an integer"),
  ]

  @Test(arguments: numberCases) func rejectsNumbersOutOfRange(_ bad: BadYAML) throws {
    let error = try LocatedError.expectParse(bad, throws: ShoalError.self) {
      _ = try ShoalConfig.parse($0, file: $1, environment: [:])
    }
    #expect(!error.description.contains("expected an integer, found"), "\(error)")
  }

  /// Decided in well under a second: measured loosely, as a bound on a hang.
  func decided(_ yaml: String) throws -> (ShoalError, Duration) {
    let start = ContinuousClock.now
    let error = try error(yaml)
    return (error, ContinuousClock.now - start)
  }

  @Test func billionLaughsStopsAtTheNodeLimit() throws {
    var yaml = "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for level in 1..<10 {
      let previous = "*\(Character(UnicodeScalar(UInt8(96 + level))))"
      let name = Character(UnicodeScalar(UInt8(97 + level)))
      yaml +=
        "x-\(name): &\(name) [\(Array(repeating: previous, count: 9).joined(separator: ", "))]\n"
    }
    yaml += "clusters:\n  a: {}\n"
    #expect(yaml.utf8.count < 1000)
    let (error, took) = try decided(yaml)
    #expect(error.description.contains("expands to more than 50000 nodes"), "\(error)")
    #expect(error.location != nil)
    #expect(took < .seconds(5), "took \(took)")
  }

  @Test func aMergeKeyBombStopsAtTheNodeLimit() throws {
    var yaml = "x-0: &m0 {a: 1, b: 2}\n"
    for level in 1...30 {
      yaml += "x-\(level): &m\(level) {<<: [*m\(level - 1), *m\(level - 1)], k\(level): 1}\n"
    }
    // Each level merges the previous one twice: reading it naively doubles per level.
    yaml += "x-top: {<<: *m30}\nclusters:\n  a: {}\n"
    let (error, took) = try decided(yaml)
    #expect(error.description.contains("expands to more than 50000 nodes"), "\(error)")
    #expect(took < .seconds(5), "took \(took)")
  }

  @Test func aHugeFileIsRefusedBeforeItIsParsed() throws {
    let yaml = "clusters:\n  a: {}\nx-list: [" + String(repeating: "1, ", count: 400_000) + "1]\n"
    let (error, took) = try decided(yaml)
    #expect(error.description.hasPrefix("bad.yaml:3:"), "\(error)")
    #expect(error.description.contains("over the limit of 1048576 bytes"), "\(error)")
    #expect(took < .seconds(5), "took \(took)")
  }

  @Test func aLongFlowListUnderTheSizeLimitStopsAtTheNodeLimit() throws {
    let yaml = "clusters:\n  a: {}\nx-list: [" + String(repeating: "1,", count: 200_000) + "1]\n"
    let (error, took) = try decided(yaml)
    #expect(error.description.contains("expands to more than 50000 nodes"), "\(error)")
    #expect(took < .seconds(5), "took \(took)")
  }

  @Test func deepNestingIsALocatedErrorWithoutLibyamlHints() throws {
    for depth in [100, 5000] {
      let yaml =
        "clusters:\n  a: {}\nx-deep: " + String(repeating: "[", count: depth)
        + String(repeating: "]", count: depth) + "\n"
      let error = try error(yaml)
      #expect(error.description.hasPrefix("bad.yaml:3:"), "\(error)")
      #expect(error.description.contains("nesting deeper than 64 levels"), "\(error)")
      #expect(!error.description.contains("yaml_set_max_nest_level"), "\(error)")
    }
  }

  @Test func bytesThatAreNotUTF8AreReportedWhereTheyAre() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "s12-utf8-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("clusters.yaml")
    var bytes = Array("version: 1\nclusters:\n  a: {cluster_kwargs: {env: {X: \"é".utf8)
    bytes += [0xFF, 0xFE]
    bytes += Array("\"}}}\n".utf8)
    try Data(bytes).write(to: file)
    let error = try #require(throws: ShoalError.self) {
      try ShoalConfig.load(file: file.path, environment: [:])
    }
    // Line 3; `é` is one column, so the bad byte is the 35th character.
    #expect(error.location?.line == 3, "\(error)")
    #expect(error.location?.column == 35, "\(error)")
    #expect(error.message.contains("not UTF-8"), "\(error)")
  }

  /// Through the real plugins, loaded from the build folder.
  func backendError(_ yaml: String) throws -> ShoalError {
    let config = try ShoalConfig.parse(yaml, file: "c.yaml", environment: [:])
    let loader = PluginLoader(searchPath: .standard(environment: [:]))
    return try #require(ShoalConfig.checkBackend(config.clusters[0], loader: loader).error)
  }

  @Test func backendCountsHaveRanges() throws {
    let local = try backendError(
      "clusters:\n  a:\n    cluster_kwargs: {n_workers: 9223372036854775807}\n")
    #expect(
      local.description.hasPrefix(
        "c.yaml:3:33: clusters.a.cluster_kwargs.n_workers: n_workers must be from 0 to 100000"),
      "\(local)")
    let threads = try backendError(
      "clusters:\n  a:\n    cluster_kwargs: {threads_per_worker: 100000}\n")
    #expect(threads.description.contains("threads_per_worker must be from 1 to 4096"), "\(threads)")
    let ssh = try backendError(
      """
      clusters:
        a:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs:
            hosts: [{host: a, slots: 9223372036854775807}, {host: b, slots: 9223372036854775807}]
      """)
    #expect(ssh.description.contains("5:"), "\(ssh)")
    #expect(ssh.description.contains("slots must be from 1 to 4096"), "\(ssh)")
  }
}
