// swift-tools-version: 6.1
import PackageDescription

// ShoalCore is the plugin SDK: an ordinary target, linked statically into `shoal` and
// into every plugin. Core and plugins talk only through the C ABI of CShoalPlugin
// (docs/plugin-abi.md); ShoalPluginHost is the core's side of it (the loader).
let core: Target.Dependency = "ShoalCore"
let host: Target.Dependency = "ShoalPluginHost"
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let lifecycle: Target.Dependency = .product(
  name: "ServiceLifecycle", package: "swift-service-lifecycle")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")

/// A backend plugin: a dynamic library under Plugins/ that links only ShoalCore.
func backend(_ name: String) -> Target {
  .target(name: name, dependencies: [core], path: "Plugins/\(name)")
}

/// A plugin library used only by the tests, under Tests/Fixtures/.
func fixture(_ name: String) -> Target {
  .target(name: name, dependencies: [core], path: "Tests/Fixtures/\(name)")
}

/// The test fixtures' libraries are products only when the test command builds them
/// (`SHOAL_TEST_FIXTURES=1`, set by Scripts/test), so that a user's `swift build`
/// never ships FaultyPlugin and friends next to `shoal`.
let fixtureNames = ["FixturePlugin", "FaultyPlugin", "TestTasks", "NotAPlugin"]
let fixtureProducts: [Product] =
  Context.environment["SHOAL_TEST_FIXTURES"] == "1"
  ? fixtureNames.map { .library(name: $0, type: .dynamic, targets: [$0]) } : []

/// The benchmark driver (Benchmarks/compare) is a product only when Benchmarks/compare
/// builds it (`SHOAL_BENCHMARKS=1`): users and CI never build it, and no package in the
/// repository needs a path dependency to reach the engine's modules.
let benchmarkProducts: [Product] =
  Context.environment["SHOAL_BENCHMARKS"] == "1"
  ? [.executable(name: "shoal-bench", targets: ["shoal-bench"])] : []

let package = Package(
  name: "Shoal",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "shoal", targets: ["shoal"]),
    // Everything a Swift app uses: clusters.yaml, clusters in-process, the Executor.
    .library(name: "Shoal", targets: ["Shoal"]),
    // The light client: the Executor alone (connect by address, submit, results,
    // cancel), on SwiftNIO; no YAML, no scheduler, no HTTP server (README, "Which product").
    .library(name: "ShoalClient", targets: ["ShoalClient"]),
    // The plugin SDK that third-party backends and task libraries depend on.
    .library(name: "ShoalCore", targets: ["ShoalCore"]),
    // The conformance kit that every backend plugin's tests run (docs/writing-a-backend.md).
    .library(name: "ShoalBackendTesting", targets: ["ShoalBackendTesting"]),
    // For the benchmark package (Benchmarks/Package.swift): the engine's modules directly.
    .library(name: "ShoalWire", targets: ["ShoalWire"]),
    .library(name: "ShoalScheduler", targets: ["ShoalScheduler"]),
    .library(name: "ShoalWorker", targets: ["ShoalWorker"]),
    .library(name: "LocalBackend", type: .dynamic, targets: ["LocalBackend"]),
    .library(name: "SSHBackend", type: .dynamic, targets: ["SSHBackend"]),
    .library(name: "ContainerBackend", type: .dynamic, targets: ["ContainerBackend"]),
    .library(name: "SlurmBackend", type: .dynamic, targets: ["SlurmBackend"]),
  ] + fixtureProducts + benchmarkProducts,
  dependencies: [
    .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    // Mutual TLS on scheduler connections: swift-nio-ssl for every peer (ShoalTLS), and
    // swift-certificates + swift-crypto to make a cluster's certificates in-process
    // (ShoalCertificateAuthority, which the light client does not link).
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
  ],
  targets: [
    // The plugin ABI: a C header (include/shoal_plugin.h), documented in docs/plugin-abi.md.
    .target(name: "CShoalPlugin"),
    .target(name: "ShoalCore", dependencies: ["CShoalPlugin"]),
    .target(
      name: "ShoalPluginHost", dependencies: [core, "CShoalPlugin"],
      linkerSettings: [.linkedLibrary("dl")]),
    .target(name: "ShoalWire", dependencies: [nioCore]),
    // TLS settings, PEM loading, role checks and channel-pipeline helpers: what every
    // peer needs, on swift-nio-ssl alone (the light client links it).
    .target(
      name: "ShoalTLS",
      dependencies: [
        nioCore, nioSSL, .product(name: "NIOTLS", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ]),
    // The per-cluster certificate authority that makes the CA and leaf certificates:
    // only the side that starts clusters (`Shoal`, the CLI) makes them, so only it pulls
    // swift-certificates and swift-crypto.
    .target(
      name: "ShoalCertificateAuthority",
      dependencies: [
        "ShoalTLS",
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(
      name: "ShoalScheduler",
      dependencies: ["ShoalWire", "ShoalTLS", nioCore, nioPosix, logging, lifecycle]),
    .target(name: "CWorkerSupport"),
    .target(
      name: "ShoalWorker",
      dependencies: [
        "ShoalWire", "ShoalTLS", "CWorkerSupport", core, host, nioCore, nioPosix, logging,
        lifecycle,
      ]),
    // The Executor's side of the protocol; `Shoal` re-exports it.
    .target(
      name: "ShoalClient", dependencies: [core, "ShoalWire", "ShoalTLS", nioCore, nioPosix, nioSSL]),
    .target(
      name: "Shoal",
      dependencies: [
        core, host, "ShoalClient", "ShoalWire", "ShoalScheduler", "ShoalTLS",
        "ShoalCertificateAuthority", nioCore, nioPosix,
        logging,
        lifecycle,
        .product(name: "Yams", package: "Yams"),
      ]),
    // The scheduler's HTTP endpoint (page, /metrics, events): its own module so that
    // the client library never links Hummingbird (docs/dashboard.md).
    .target(
      name: "ShoalDashboard",
      dependencies: [
        "Shoal", "ShoalScheduler", "ShoalWire", core, nioCore, logging, lifecycle,
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]),
    .executableTarget(
      name: "shoal",
      dependencies: [
        "Shoal", "ShoalScheduler", "ShoalWire", "ShoalWorker", "ShoalTLS", "SlurmSupport",
        "ShoalDashboard", core, host, logging, lifecycle,
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    .target(
      name: "ShoalBackendTesting",
      dependencies: ["Shoal", "ShoalScheduler", "ShoalWire", core, host, logging]),

    // The scheduler's hot path on an EmbeddedEventLoop, for callgrind: the CI guard
    // Benchmarks/hotpath-guard counts its instructions and allocations per task.
    .executableTarget(
      name: "shoal-hotpath",
      dependencies: [
        "ShoalWire", "ShoalScheduler", nioCore, .product(name: "NIOEmbedded", package: "swift-nio"),
      ]),

    .executableTarget(
      name: "shoal-bench",
      dependencies: [
        "Shoal", "ShoalWire", "ShoalScheduler", "ShoalWorker", "LocalBackend", core, host, nioCore,
        nioPosix, logging, lifecycle,
      ],
      path: "Benchmarks/Sources/shoal-bench"),

    backend("LocalBackend"),
    // The SSH backend's pure parts (placement, host backoff, remote scripts), a plain
    // target so that SSHTests can test them without linking the plugin's entry point.
    .target(name: "SSHSupport", dependencies: [core], path: "Plugins/SSHSupport"),
    .target(name: "SSHBackend", dependencies: [core, "SSHSupport"], path: "Plugins/SSHBackend"),
    backend("ContainerBackend"),
    // The Slurm backend's pure parts (options, job scripts, squeue lines), a plain target
    // so that SlurmTests and `shoal job-script` use them without the plugin's entry point.
    .target(
      name: "SlurmSupport", dependencies: [core, "SSHSupport"], path: "Plugins/SlurmSupport"),
    .target(
      name: "SlurmBackend", dependencies: [core, "SlurmSupport", "SSHSupport"],
      path: "Plugins/SlurmBackend"),

    fixture("FixturePlugin"),
    fixture("FaultyPlugin"),
    fixture("TestTasks"),
    .target(name: "NotAPlugin", path: "Tests/Fixtures/NotAPlugin"),

    .target(
      name: "ShoalTestSupport", dependencies: [nioCore, nioPosix], path: "Tests/ShoalTestSupport"),
    .testTarget(name: "ShoalCoreTests", dependencies: [core, host, "ShoalTestSupport"]),
    .testTarget(
      name: "ShoalWireTests",
      dependencies: [
        "ShoalWire", "ShoalTestSupport", nioCore,
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ]),
    .testTarget(
      name: "EngineTests",
      dependencies: [
        "Shoal", "ShoalScheduler", "ShoalWire", "ShoalTestSupport", core, host, nioCore, nioPosix,
        logging,
      ]),
    .testTarget(
      name: "ShoalTests",
      dependencies: ["Shoal", "ShoalScheduler", core, host, logging, "ShoalTestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "ContainerTests",
      dependencies: [
        "ContainerBackend", "Shoal", "ShoalScheduler", "ShoalWire", core, host, logging,
        "ShoalTestSupport",
        "ShoalBackendTesting",
      ]),
    .testTarget(
      name: "WorkerTests",
      dependencies: [
        "ShoalWorker", "ShoalWire", "Shoal", "ShoalScheduler", core, host, logging,
        "ShoalTestSupport",
      ]),
    .testTarget(
      name: "LocalClusterTests",
      dependencies: [
        "Shoal", "ShoalScheduler", "ShoalWire", core, host, logging, "ShoalTestSupport",
      ]),
    .testTarget(
      name: "DashboardTests",
      dependencies: [
        "ShoalDashboard", "Shoal", "ShoalScheduler", "ShoalWire", core, host, logging,
        "ShoalTestSupport",
      ]),
    .testTarget(name: "IntegrationTests", dependencies: ["Shoal", core, host, "ShoalTestSupport"]),
    .testTarget(
      name: "PluginKitTests",
      dependencies: [
        "ShoalBackendTesting", "ShoalScheduler", "ShoalTestSupport", core, host, logging,
      ]),
    .testTarget(
      name: "SSHTests",
      dependencies: [
        "SSHSupport", "Shoal", "ShoalWire", "ShoalBackendTesting", core, host, logging,
        "ShoalTestSupport",
      ]),
    .testTarget(
      name: "SlurmTests",
      dependencies: [
        "SlurmSupport", "Shoal", "ShoalWire", "ShoalBackendTesting", core, host, logging,
        "ShoalTestSupport",
      ]),
  ]
)
