// swift-tools-version: 6.1
// A Shoal backend plugin: builds libExampleBackend.so, which `cluster_class: ExampleBackend.ExampleCluster`
// loads. Build it with the same Swift toolchain as the `shoal` that loads it.
import PackageDescription

/// The Shoal checkout this plugin is built against.
let shoal = "../.."

let package = Package(
  name: "ExampleBackend",
  products: [
    // The plugin. It links libShoalCore.so (`readelf -d` lists it as NEEDED) and never
    // carries a copy of ShoalCore, so its classes are the core's ClusterBackend.
    .library(name: "ExampleBackend", type: .dynamic, targets: ["ExampleBackend"])
  ],
  dependencies: [
    .package(path: shoal + "/Sources/ShoalCore"),
    .package(name: "Shoal", path: shoal),
  ],
  targets: [
    .target(
      name: "ExampleBackend",
      dependencies: [.product(name: "ShoalCore", package: "ShoalCore")],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    .testTarget(
      name: "ExampleBackendTests",
      dependencies: [
        .product(name: "ShoalBackendTesting", package: "Shoal"),
        // Builds `shoal` next to the tests: the conformance kit runs it as the workers.
        .product(name: "shoal", package: "Shoal"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]),
  ]
)
