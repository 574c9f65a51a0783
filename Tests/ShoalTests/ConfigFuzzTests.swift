import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import Testing

/// Seeded fuzzing of the configuration parser, about 20 s: valid files mutated at the
/// byte level, and files put together from YAML pieces (anchors, aliases, merge keys,
/// flow and block collections, extreme numbers). The parser returns a configuration
/// or throws a `ShoalError` with a position; it never traps, and each input is decided
/// quickly.
@Suite struct ConfigFuzzTests {
  static let seed: UInt64 = 0x636C_7573_7465_7273

  static let valid = [
    """
    version: 1
    default: local
    clusters:
      local:
        cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
      burst:
        cluster_class: LocalBackend.LocalCluster
        adapt_kwargs: {minimum: 0, maximum: 8, interval: 500ms, wait_count: 2}
        timeouts: {start: 30, scale: 1m, stop: 10s}
      shared:
        address: tcp://scheduler.example:8786

    """,
    """
    x-defaults: &defaults
      cluster_kwargs: {n_workers: 1}
    clusters:
      a:
        <<: *defaults
        adapt_kwargs: {maximum: 3}
      b: {<<: *defaults, timeouts: {start: 1h}}

    """,
  ]

  static let pieces = [
    "clusters:", "  a:", "  b: {}", "    adapt_kwargs:", "      minimum: ", "      interval: ",
    "    timeouts: {start: ", "x-a: &a ", "x-b: &b [*a, *a, *a]", "  <<: *a", "<<: [*a, *b]",
    "version: ", "[", "]", "{", "}", "- ", "? ", ": ", "&x ", "*x", "!!str ", "\"", "'", "#",
    "1e300", "99999999999999999999", "-9223372036854775809", ".nan", ".inf", "1h", "0x10",
    "nan", "~", "null", "yes", "é", "\u{FEFF}", "\t", "\r", "%YAML 1.2", "---", "...", "${HOME}",
  ]

  static func input(_ index: Int, using random: inout SeededGenerator) -> [UInt8] {
    if index % 2 == 0 {
      return mutate(Array(valid.randomElement(using: &random)!.utf8), using: &random)
    }
    var text = ""
    for _ in 0..<Int.random(in: 1...30, using: &random) {
      text += pieces.randomElement(using: &random)!
      if Int.random(in: 0..<3, using: &random) == 0 { text += "\n" }
    }
    return Array(text.utf8)
  }

  @Test func theParserNeverTrapsAndLocatesItsErrors() throws {
    var random = SeededGenerator(seed: Self.seed)
    var accepted = 0
    var rejected = 0
    var slowest = Duration.zero
    let folder = try TemporaryDirectory.make("s12-fuzz")
    let file = folder + "/clusters.yaml"
    let cases = try fuzz(budget: .seconds(20)) { index in
      let bytes = Self.input(index, using: &random)
      let start = ContinuousClock.now
      do {
        // Every eighth case goes through the file path (size and UTF-8 checks on bytes).
        if index % 8 == 1 {
          try Data(bytes).write(to: URL(fileURLWithPath: file))
          _ = try ShoalConfig.load(file: file, environment: ["HOME": "/home/u"])
        } else {
          _ = try ShoalConfig.parse(
            String(decoding: bytes, as: UTF8.self), file: "f.yaml", environment: ["HOME": "/h"])
        }
        accepted += 1
      } catch let error as ShoalError {
        rejected += 1
        #expect(error.location != nil, "seed \(Self.seed) case \(index): \(error)")
      } catch let errors as ConfigErrors {
        // Several file-level problems at once (validate reports them all): each located.
        rejected += 1
        for error in errors.errors {
          #expect(error.location != nil, "seed \(Self.seed) case \(index): \(error)")
        }
      }
      slowest = max(slowest, ContinuousClock.now - start)
    }
    try? FileManager.default.removeItem(atPath: folder)
    print(
      "s12 fuzz: config parser, \(cases) cases, \(accepted) accepted, \(rejected) rejected, slowest \(slowest)"
    )
    #expect(cases > 500)
    #expect(accepted > 0)
    #expect(rejected > 0)
    // A bound on a hang, not a benchmark.
    #expect(slowest < .seconds(2))
  }
}
