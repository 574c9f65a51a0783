import ShoalCore

/// How a generated package depends on Shoal: by URL and version (what users do), or by
/// a local path (developing Shoal and a plugin side by side).
enum ShoalDependency: CustomStringConvertible {
  /// `.package(url: URL, from: VERSION)`.
  case url(String, version: String)
  /// `.package(name: "shoal", path: PATH)`.
  case path(String)

  /// Where Shoal's canonical repository is (README, "Installing").
  static let canonicalURL = "https://github.com/shoal-swift/shoal"

  /// The `.package(...)` line. The package is named `shoal` either way, so the
  /// `.product(..., package: "shoal")` lines stay the same.
  var packageLine: String {
    switch self {
    case .url(let url, let version): return ".package(url: \"\(url)\", from: \"\(version)\"),"
    case .path(let path): return ".package(name: \"shoal\", path: \"\(path)\"),"
    }
  }

  var description: String {
    switch self {
    case .url(let url, let version): return "\(version) from \(url)"
    case .path(let path): return "at \(path)"
    }
  }
}
