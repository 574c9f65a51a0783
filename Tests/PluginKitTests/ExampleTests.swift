import Foundation
import Logging
import ShoalCore
import ShoalScheduler
import ShoalTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The packages under Examples/, built outside the root package's target graph the way
/// a third party builds them: `swift build --package-path`, depending on Shoal by URL
/// and version (a tagged bare clone of this checkout behind the canonical URL, see
/// `ExampleBuild`), then used: the backend plugin from clusters.yaml and the
/// conformance kit, the Executor app against a cluster whose workers load its task
/// library.
///
/// Slow the first time (the first example built compiles SwiftNIO, BoringSSL and Shoal
/// in `.build-examples/packages`, which the others then share); incremental afterwards. `SHOAL_SKIP_EXAMPLES=1` skips the suite.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SHOAL_SKIP_EXAMPLES"] != "1"))
struct ExampleTests {
  static let backend = "ExampleBackend"
  static let app = "ExecutorApp"

  @Test func exampleBackendIsExactlyWhatShoalPluginNewWrites() throws {
    let folder = try TemporaryDirectory.make() + "/ExampleBackend"
    let output = try CommandRunner.shoal(["plugin", "new", "ExampleBackend", "--path", folder])
    #expect(output.status == 0, "\(output.stderr)")
    let example = ExampleBuild.examplePackage(Self.backend)
    let written = try FileManager.default.subpathsOfDirectory(atPath: folder).filter {
      !$0.hasSuffix("/") && FileManager.default.contents(atPath: folder + "/" + $0) != nil
    }
    #expect(written.count == 6)
    for file in written {
      let generated = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
      let committed = try? String(contentsOfFile: example + "/" + file, encoding: .utf8)
      #expect(committed == generated, "Examples/ExampleBackend/\(file) differs from the scaffold")
    }
  }

  @Test func exampleBackendBuildsByURLAndVersionAndPassesTheConformanceKit() throws {
    let package = ExampleBuild.examplePackage(Self.backend)
    try ExampleBuild.swift(["build", "--build-tests"], package: package)
    // SwiftPM resolved Shoal at the tag, from the (mirrored) canonical URL.
    let resolved = try String(contentsOfFile: package + "/Package.resolved", encoding: .utf8)
    #expect(resolved.contains("\"version\" : \"\(PluginABI.sdkVersion)\""), "\(resolved)")
    let test = try ExampleBuild.swift(["test", "--skip-build"], package: package)
    let text = test.stdout + test.stderr
    #expect(text.contains("with 7 test cases passed"), "\(text.suffix(3000))")
  }

  @Test func clustersYamlSelectsTheExampleBackendByNameAndShoalMapRunsOnIt() throws {
    let products = ExampleBuild.products
    let library = products + "/libExampleBackend.so"
    try #require(FileManager.default.fileExists(atPath: library), "build the example first")
    let config = try TemporaryDirectory.write(
      """
      version: 1
      default: example
      clusters:
        example:
          cluster_class: ExampleBackend.ExampleCluster
          cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
        typo:
          cluster_class: ExampleBackend.ExampleCluster
          cluster_kwargs: {n_worker: 2}
      """)
    let environment = ["SHOAL_PLUGIN_PATH": products]
    let plugins = try CommandRunner.shoal(["plugins"], environment: environment)
    #expect(plugins.stdout.contains("ExampleCluster"), "\(plugins.stdout)\(plugins.stderr)")
    #expect(
      plugins.stdout.contains(
        "ABI \(PluginABI.major).\(PluginABI.minor), built with ShoalCore \(PluginABI.sdkVersion)"),
      "\(plugins.stdout)")
    let validate = try CommandRunner.shoal(
      ["validate", "--config", config], environment: environment)
    #expect(validate.status != 0)
    #expect(
      validate.stdout.contains(":9:") || validate.stderr.contains(":9:"),
      "the typo is reported at its line: \(validate.stdout)\(validate.stderr)")
    #expect((validate.stdout + validate.stderr).contains("did you mean `n_workers`"))
    #expect(!(validate.stdout + validate.stderr).contains("clusters.example."))

    // `shoal map` on a temporary `example` cluster: every task runs in a worker that
    // ExampleCluster started (its name is in the worker's command line).
    let state = try TemporaryDirectory.make()
    let map = try CommandRunner.shoal(
      [
        "map", "--cluster", "example", "--config", config, "--inputs", "-", "--",
        "sh", "-c", "echo $(({} * {})) $(tr '\\0' ' ' < /proc/$PPID/cmdline)",
      ],
      environment: environment.merging(["XDG_STATE_HOME": state]) { $1 },
      stdin: (1...6).map(String.init).joined(separator: "\n") + "\n", timeout: 120)
    #expect(map.status == 0, "\(map.stderr)")
    let lines = map.stdout.split(separator: "\n")
    #expect(lines.count == 6, "\(map.stdout)")
    for (index, line) in lines.enumerated() {
      let parts = line.split(separator: " ", maxSplits: 1)
      #expect(parts.first.map(String.init) == String((index + 1) * (index + 1)))
      #expect(
        line.contains("worker tcp://127.0.0.1:") && line.contains("--name example-"), "\(line)")
    }
    #expect(map.stderr.contains("6 tasks, 6 succeeded"))
  }

  @Test func executorAppRunsTypedTasksFromItsTaskLibrary() async throws {
    let package = ExampleBuild.examplePackage(Self.app)
    try ExampleBuild.swift(["build"], package: package)
    let products = ExampleBuild.products

    let token = "executor-app-\(UUID().uuidString)"
    var logger = Logger(label: "test.scheduler")
    logger.logLevel = .warning
    let scheduler = Scheduler(configuration: .init(token: token), logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      defer { group.cancelAll() }
      let address = try await scheduler.listeningAddress()
      let worker = Process()
      worker.executableURL = URL(fileURLWithPath: BuildProducts.shoal)
      worker.arguments = [
        "worker", address, "--name", "app-worker", "--tasks", "ExampleTasks", "--give-up-after",
        "15",
      ]
      var environment = ProcessInfo.processInfo.environment
      environment["SHOAL_TOKEN"] = token
      environment["SHOAL_PLUGIN_PATH"] = products
      environment["SHOAL_PARENT_PID"] = String(getpid())
      worker.environment = environment
      try worker.run()
      defer {
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
      }
      let app = try CommandRunner.run(
        products + "/executor-app", [address], environment: ["SHOAL_TOKEN": token], timeout: 120)
      #expect(app.status == 0, "\(app.stderr)")
      #expect(app.stdout.contains("squares: 1 4 9 16 25 36 49 64 81 100"))
      #expect(app.stdout.contains("sum of squares: 385"))
      #expect(app.stdout.contains("word counts: and=2 cat=1 dog=1 fox=1 lazy=1 quick=1 the=3"))
      #expect(app.stdout.contains("CheckedRoot(-4) failed as expected: "))
      #expect(app.stdout.contains("no real square root of -4.0"), "\(app.stdout)")
    }
    // It links the light client alone: its Executor, none of Yams, the scheduler,
    // Hummingbird or the certificate maker with swift-certificates and swift-crypto
    // (their mangled symbols would be in the binary, as they are in `shoal`).
    let binary = try Data(contentsOf: URL(fileURLWithPath: products + "/executor-app"))
    #expect(binary.range(of: Data("$s11ShoalClient8Executor".utf8)) != nil)
    #expect(binary.range(of: Data("$s8ShoalTLS".utf8)) != nil)
    for module in [
      "$s4Yams", "$s14ShoalScheduler", "$s11Hummingbird", "$s5Shoal",
      "$s25ShoalCertificateAuthority", "$s4X509", "$s6Crypto",
    ] {
      #expect(binary.range(of: Data(module.utf8)) == nil, "executor-app links \(module)")
    }
  }
}
