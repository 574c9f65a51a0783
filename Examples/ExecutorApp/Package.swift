// swift-tools-version: 6.1
// A Swift app that runs typed tasks on a Shoal cluster with the Executor API, and the
// task library its workers load (`shoal worker ADDRESS --tasks ExampleTasks`).
import PackageDescription

let package = Package(
  name: "ExecutorApp",
  products: [
    // The task library workers load: a dynamic library with its own static copy of
    // the ShoalCore SDK (it talks to the worker through the C plugin ABI).
    .library(name: "ExampleTasks", type: .dynamic, targets: ["ExampleTasks"]),
    .executable(name: "executor-app", targets: ["ExecutorApp"]),
  ],
  dependencies: [
    // Shoal by URL and version, as any Swift package (README, "Installing").
    .package(url: "https://github.com/shoal-swift/shoal", from: "0.2.0"),
  ],
  targets: [
    .target(
      name: "ExampleTasks",
      dependencies: [.product(name: "ShoalCore", package: "shoal")],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    .executableTarget(
      name: "ExecutorApp",
      dependencies: [
        "ExampleTasks",
        .product(name: "Shoal", package: "shoal"),
        .product(name: "ShoalCore", package: "shoal"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]),
  ]
)
