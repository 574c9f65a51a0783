/// The version of the `shoal` tool and of its wire protocol family.
enum ShoalVersion {
  static let current = "0.1.0"
}
