import ShoalCore

/// The version of the `shoal` tool: the version of this repository's release, which
/// is also the version of the ShoalCore SDK it carries.
enum ShoalVersion {
  static let current = PluginABI.sdkVersion
}
