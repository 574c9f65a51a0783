// swift-tools-version: 6.1
import PackageDescription

// ShoalCore (the plugin SDK) is its own package, linked as one shared library:
// see Sources/ShoalCore/Package.swift and docs/design.md ("one ShoalCore per process").
let core: Target.Dependency = .product(name: "ShoalCore", package: "ShoalCore")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")

/// A backend plugin: a dynamic library under Plugins/ that links only ShoalCore.
func backend(_ name: String) -> Target {
  .target(name: name, dependencies: [core], path: "Plugins/\(name)")
}

/// A plugin library used only by the tests, under Tests/Fixtures/.
func fixture(_ name: String) -> Target {
  .target(name: name, dependencies: [core], path: "Tests/Fixtures/\(name)")
}

let package = Package(
  name: "Shoal",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "shoal", targets: ["shoal"]),
    .library(name: "Shoal", targets: ["Shoal"]),
    // The conformance kit that every backend plugin's tests run (docs/writing-a-backend.md).
    .library(name: "ShoalBackendTesting", targets: ["ShoalBackendTesting"]),
    // For the benchmark package (Benchmarks/Package.swift): the engine's modules directly.
    .library(name: "ShoalWire", targets: ["ShoalWire"]),
    .library(name: "ShoalScheduler", targets: ["ShoalScheduler"]),
    .library(name: "ShoalWorker", targets: ["ShoalWorker"]),
    .library(name: "LocalBackend", type: .dynamic, targets: ["LocalBackend"]),
    .library(name: "SSHBackend", type: .dynamic, targets: ["SSHBackend"]),
    .library(name: "ContainerBackend", type: .dynamic, targets: ["ContainerBackend"]),
    // Test fixtures: built so that the loader tests can dlopen them from the build folder.
    .library(name: "FixturePlugin", type: .dynamic, targets: ["FixturePlugin"]),
    .library(name: "OldABIPlugin", type: .dynamic, targets: ["OldABIPlugin"]),
    .library(name: "NotAPlugin", type: .dynamic, targets: ["NotAPlugin"]),
    .library(name: "FaultyPlugin", type: .dynamic, targets: ["FaultyPlugin"]),
    .library(name: "TestTasks", type: .dynamic, targets: ["TestTasks"]),
  ],
  dependencies: [
    .package(path: "Sources/ShoalCore"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    // Mutual TLS on scheduler connections (ShoalTLS): certificates made in-process.
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
  ],
  targets: [
    .target(name: "ShoalWire", dependencies: [nioCore]),
    // TLS settings, the per-cluster certificate authority and channel-pipeline helpers.
    .target(
      name: "ShoalTLS",
      dependencies: [
        nioCore, nioSSL, .product(name: "NIOTLS", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(
      name: "ShoalScheduler",
      dependencies: [
        "ShoalWire", "ShoalTLS", nioCore, nioPosix, logging, lifecycle,
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ]),
    .target(name: "CWorkerSupport"),
    .target(
      name: "ShoalWorker",
      dependencies: [
        "ShoalWire", "ShoalTLS", "CWorkerSupport", core, nioCore, nioPosix, logging, lifecycle,
        .product(name: "Subprocess", package: "swift-subprocess"),
      ]),
    .target(
      name: "Shoal",
      dependencies: [
        core, "ShoalWire", "ShoalScheduler", "ShoalTLS", nioCore, nioPosix, logging, lifecycle,
        .product(name: "Yams", package: "Yams"),
      ]),
    .executableTarget(
      name: "shoal",
      dependencies: [
        "Shoal", "ShoalScheduler", "ShoalWorker", "ShoalTLS", core, logging, lifecycle,
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    .target(
      name: "ShoalBackendTesting",
      dependencies: ["Shoal", "ShoalScheduler", "ShoalWire", core, logging]),

    // The scheduler's hot path on an EmbeddedEventLoop, for callgrind: the CI guard
    // Benchmarks/hotpath-guard counts its instructions and allocations per task.
    .executableTarget(
      name: "shoal-hotpath",
      dependencies: [
        "ShoalWire", "ShoalScheduler", nioCore, .product(name: "NIOEmbedded", package: "swift-nio"),
      ]),

    backend("LocalBackend"),
    // The SSH backend's pure parts (placement, host backoff, remote scripts), a plain
    // target so that SSHTests can test them without linking the plugin's entry point.
    .target(name: "SSHSupport", dependencies: [core], path: "Plugins/SSHSupport"),
    .target(name: "SSHBackend", dependencies: [core, "SSHSupport"], path: "Plugins/SSHBackend"),
    backend("ContainerBackend"),

    fixture("FixturePlugin"),
    fixture("OldABIPlugin"),
    fixture("FaultyPlugin"),
    fixture("TestTasks"),
    .target(name: "NotAPlugin", path: "Tests/Fixtures/NotAPlugin"),

    .target(
      name: "ShoalTestSupport", dependencies: [nioCore, nioPosix], path: "Tests/ShoalTestSupport"),
    .testTarget(name: "ShoalCoreTests", dependencies: [core]),
    .testTarget(
      name: "ShoalWireTests",
      dependencies: ["ShoalWire", nioCore, .product(name: "NIOEmbedded", package: "swift-nio")]),
    .testTarget(
      name: "EngineTests",
      dependencies: [
        "Shoal", "ShoalScheduler", "ShoalWire", "ShoalTestSupport", core, nioCore, nioPosix,
        logging,
      ]),
    .testTarget(name: "ShoalTests", dependencies: ["Shoal", core], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "ContainerTests",
      dependencies: [
        "ContainerBackend", "Shoal", "ShoalScheduler", "ShoalWire", core, logging, "ShoalTestSupport",
        "ShoalBackendTesting",
      ]),
    .testTarget(
      name: "WorkerTests",
      dependencies: [
        "ShoalWorker", "ShoalWire", "Shoal", "ShoalScheduler", core, logging, "ShoalTestSupport",
      ]),
    .testTarget(
      name: "LocalClusterTests",
      dependencies: ["Shoal", "ShoalScheduler", "ShoalWire", core, logging, "ShoalTestSupport"]),
    .testTarget(name: "IntegrationTests", dependencies: ["Shoal", core, "ShoalTestSupport"]),
    .testTarget(
      name: "PluginKitTests",
      dependencies: ["ShoalBackendTesting", "ShoalScheduler", "ShoalTestSupport", core, logging]),
    .testTarget(
      name: "SSHTests",
      dependencies: [
        "SSHSupport", "Shoal", "ShoalWire", "ShoalBackendTesting", core, logging,
        "ShoalTestSupport",
      ]),
  ]
)
