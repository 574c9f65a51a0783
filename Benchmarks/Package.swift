// swift-tools-version: 6.1
import PackageDescription

// The benchmarks: their own package (as SwiftNIO's are), depending on Shoal by path,
// so that the main package's graph and CI build stay free of them.
// `Benchmarks/compare` builds this package in release mode; see docs/benchmarks.md.
let shoal: (String) -> Target.Dependency = { .product(name: $0, package: "Shoal") }

let package = Package(
  name: "ShoalBenchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "Shoal", path: ".."),
    .package(path: "../Sources/ShoalCore"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
  ],
  targets: [
    // Shoal's side of Benchmarks/compare, and the scale figures.
    .executableTarget(
      name: "shoal-bench",
      dependencies: [
        shoal("Shoal"), shoal("ShoalWire"), shoal("ShoalScheduler"), shoal("ShoalWorker"),
        .product(name: "ShoalCore", package: "ShoalCore"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      path: "Sources/shoal-bench"),
  ]
)
