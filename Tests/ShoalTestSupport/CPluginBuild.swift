import Foundation

/// Compiles C plugins for the tests with the system's C compiler, against the plugin
/// header alone (`Sources/CShoalPlugin/include/shoal_plugin.h`): no Swift involved.
public enum CPluginBuild {
  /// The folder that holds the ABI header.
  public static let headerFolder = BuildProducts.repositoryRoot + "/Sources/CShoalPlugin/include"

  /// Compiles `sources` (paths) into `lib\(module).so` in a new temporary folder
  /// with `defines` (`-DNAME`), and returns that folder.
  public static func library(
    module: String, sources: [String], defines: [String] = [], variant: String = ""
  ) throws -> String {
    let folder =
      NSTemporaryDirectory()
      + "shoal-cplugin-\(module)\(variant)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let output = try CommandRunner.run(
      "/usr/bin/env",
      ["cc", "-std=c11", "-Wall", "-Werror", "-shared", "-fPIC", "-I", headerFolder]
        + defines.map { "-D\($0)" } + sources + ["-o", folder + "/lib\(module).so"])
    guard output.status == 0 else {
      throw CPluginBuildFailure(
        description: "cc \(sources.joined(separator: " ")) failed:\n\(output.stderr)")
    }
    return folder
  }

  /// The probe plugin of Tests/Fixtures/CFixtures, as module `Probe`, with `defines`.
  public static func probe(_ defines: [String] = []) throws -> String {
    try library(
      module: "Probe",
      sources: [BuildProducts.repositoryRoot + "/Tests/Fixtures/CFixtures/probe_plugin.c"],
      defines: defines, variant: defines.joined(separator: "_"))
  }
}

/// A C plugin that did not compile.
public struct CPluginBuildFailure: Error, CustomStringConvertible {
  /// The compiler's complaint.
  public var description: String
}
