// swift-tools-version: 6.1
// ShoalCore is its own package so that it is linked exactly once per process:
// the `shoal` executable, every backend plugin, every task library and the test
// binaries all carry `NEEDED libShoalCore.so` (see docs/design.md).
import PackageDescription

let package = Package(
  name: "ShoalCore",
  products: [
    .library(name: "ShoalCore", type: .dynamic, targets: ["ShoalCore"])
  ],
  targets: [
    .target(
      name: "ShoalCore",
      swiftSettings: [.swiftLanguageMode(.v6)],
      linkerSettings: [.linkedLibrary("dl")]
    )
  ]
)
