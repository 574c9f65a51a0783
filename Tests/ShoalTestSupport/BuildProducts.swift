import Foundation

/// Where the build put `shoal` and the plugin libraries: the folder of the running
/// test binary (SwiftPM puts test bundles next to the products they were built with).
public enum BuildProducts {
  /// The build folder (`.build/debug`).
  public static let directory: String = {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    var folder = (executable as NSString).deletingLastPathComponent
    // On Linux the test binary is `.build/debug/ShoalPackageTests.xctest`.
    if folder.hasSuffix(".xctest") { folder = (folder as NSString).deletingLastPathComponent }
    return folder
  }()

  /// The `shoal` executable.
  public static var shoal: String { directory + "/shoal" }

  /// `libNAME.so` in the build folder.
  public static func library(_ module: String) -> String { directory + "/lib\(module).so" }

  /// The repository's root (three levels above this file: Tests/ShoalTestSupport/...).
  public static let repositoryRoot: String = {
    let file = URL(fileURLWithPath: #filePath)
    return file.deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
  }()
}
