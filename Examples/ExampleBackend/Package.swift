// swift-tools-version: 6.1
// A Shoal backend plugin: builds libExampleBackend.so, which `cluster_class: ExampleBackend.ExampleCluster`
// loads. Build it with the same Swift toolchain as the `shoal` that loads it.
import PackageDescription

let package = Package(
  name: "ExampleBackend",
  products: [
    // The plugin. It carries its own static copy of the ShoalCore SDK and talks to
    // shoal only through the C plugin ABI (Shoal's docs/plugin-abi.md).
    .library(name: "ExampleBackend", type: .dynamic, targets: ["ExampleBackend"])
  ],
  dependencies: [
    .package(url: "https://github.com/shoal-swift/shoal", from: "0.2.0"),
  ],
  targets: [
    .target(
      name: "ExampleBackend",
      dependencies: [.product(name: "ShoalCore", package: "shoal")],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    .testTarget(
      name: "ExampleBackendTests",
      dependencies: [
        .product(name: "ShoalBackendTesting", package: "shoal"),
        // Builds `shoal` next to the tests: the conformance kit runs it as the workers.
        .product(name: "shoal", package: "shoal"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]),
  ]
)
