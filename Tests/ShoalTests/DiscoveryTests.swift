import Foundation
import Shoal
import ShoalCore
import Testing

@Suite struct DiscoveryTests {
  let root: String
  let minimal = "clusters:\n  a: {}\n"

  init() throws {
    root = NSTemporaryDirectory() + "shoal-discovery-\(UUID().uuidString.prefix(8))"
    for folder in ["work", "home/.config/shoal", "xdg/shoal", "other"] {
      try FileManager.default.createDirectory(
        atPath: root + "/" + folder, withIntermediateDirectories: true)
    }
  }

  func write(_ path: String, _ name: String) throws {
    try "clusters:\n  \(name): {}\n".write(
      toFile: root + "/" + path, atomically: true, encoding: .utf8)
  }

  func discover(_ explicit: String? = nil, _ environment: [String: String] = [:]) throws
    -> ShoalConfig
  {
    var environment = environment
    environment["HOME"] = environment["HOME"] ?? root + "/home"
    return try ShoalConfig.discover(
      explicit: explicit, environment: environment, currentDirectory: root + "/work")
  }

  @Test func followsTheDiscoveryOrder() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    try write("home/.config/shoal/clusters.yaml", "fromhome")
    #expect(try discover().clusterNames == ["fromhome"])
    try write("xdg/shoal/clusters.yaml", "fromxdg")
    #expect(try discover(nil, ["XDG_CONFIG_HOME": root + "/xdg"]).clusterNames == ["fromxdg"])
    try write("work/clusters.yaml", "fromcwd")
    let local = try discover()
    #expect(local.clusterNames == ["fromcwd"])
    #expect(local.file == "clusters.yaml")
    #expect(local.absolutePath == root + "/work/clusters.yaml")
    try write("other/env.yaml", "fromenv")
    #expect(
      try discover(nil, ["SHOAL_CONFIG": root + "/other/env.yaml"]).clusterNames == ["fromenv"])
    try write("work/explicit.yaml", "fromflag")
    let flagged = try discover("explicit.yaml", ["SHOAL_CONFIG": root + "/other/env.yaml"])
    #expect(flagged.clusterNames == ["fromflag"])
    #expect(flagged.file == "explicit.yaml")
  }

  @Test func listsEveryPlaceTriedWhenNothingIsFound() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    let error = try #require(throws: ShoalError.self) { try discover() }
    #expect(error.code == .configNotFound)
    #expect(error.message.contains("clusters.yaml (the current folder)"))
    #expect(error.message.contains(root + "/home/.config/shoal/clusters.yaml (user configuration)"))
    #expect(error.hint?.contains("--config") == true)
  }

  @Test func anExplicitFileMustExist() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    try write("work/clusters.yaml", "fromcwd")
    let flag = try #require(throws: ShoalError.self) { try discover("nope.yaml") }
    #expect(flag.message == "configuration file nope.yaml (from --config) does not exist")
    let variable = try #require(throws: ShoalError.self) {
      try discover(nil, ["SHOAL_CONFIG": "/nonexistent/c.yaml"])
    }
    #expect(variable.message.contains("(from $SHOAL_CONFIG) does not exist"))
    let folder = try #require(throws: ShoalError.self) { try discover(root) }
    #expect(folder.message.contains("is a folder"))
  }

  @Test func loadReportsPositionsWithTheNamedFile() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    let path = root + "/other/bad.yaml"
    try "clusters:\n  a:\n    adapt_kwargs: 3\n".write(
      toFile: path, atomically: true, encoding: .utf8)
    let error = try #require(throws: ShoalError.self) {
      try ShoalConfig.load(file: path, environment: [:])
    }
    #expect(
      error.description.hasPrefix("\(path):3:19: clusters.a.adapt_kwargs: expected a mapping"))
  }

  @Test func rejectsAFileThatIsNotText() throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    let path = root + "/other/binary.yaml"
    try Data([0x63, 0x3A, 0xFF, 0xFE, 0x00, 0x0A]).write(to: URL(fileURLWithPath: path))
    let error = try #require(throws: ShoalError.self) {
      try ShoalConfig.load(file: path, environment: [:])
    }
    #expect(error.code == .invalidConfig)
    // The first byte that is not UTF-8 is the third: line 1, column 3.
    #expect(error.description.hasPrefix("\(path):1:3: "))
    #expect(error.description.contains("not UTF-8"))
  }
}
