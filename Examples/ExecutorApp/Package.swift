// swift-tools-version: 6.1
// A Swift app that runs typed tasks on a Shoal cluster with the Executor API, and the
// task library its workers load (`shoal worker ADDRESS --tasks ExampleTasks`).
import PackageDescription

/// The Shoal checkout this app is built against.
let shoal = "../.."

let package = Package(
  name: "ExecutorApp",
  products: [
    // The task library workers load: a dynamic library that links libShoalCore.so.
    .library(name: "ExampleTasks", type: .dynamic, targets: ["ExampleTasks"]),
    .executable(name: "executor-app", targets: ["ExecutorApp"]),
  ],
  dependencies: [
    .package(path: shoal + "/Sources/ShoalCore"),
    .package(name: "Shoal", path: shoal),
  ],
  targets: [
    .target(
      name: "ExampleTasks",
      dependencies: [.product(name: "ShoalCore", package: "ShoalCore")],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    .executableTarget(
      name: "ExecutorApp",
      dependencies: [
        "ExampleTasks",
        .product(name: "Shoal", package: "Shoal"),
        .product(name: "ShoalCore", package: "ShoalCore"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]),
  ]
)
