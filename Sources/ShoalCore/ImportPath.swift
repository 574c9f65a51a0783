/// A `cluster_class` or task-library reference: `Module.Name`, or a bare `Name`.
public struct ImportPath: Sendable, Hashable, CustomStringConvertible {
  /// The library's module (`SSHBackend` for `libSSHBackend.so`); nil for a bare name.
  public var module: String?
  /// The exported class or factory name (`SSHCluster`).
  public var name: String

  /// Parses `Module.Name` or `Name`; throws for `..Foo`, `Foo.`, `a.b.c`, empty
  /// strings and names that are not identifiers.
  public init(parsing text: String) throws {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    let problem: String?
    if text.isEmpty {
      problem = "is empty"
    } else if parts.count > 2 {
      problem = "has more than one `.`"
    } else if let bad = parts.first(where: { !ImportPath.isIdentifier($0) }) {
      problem = bad.isEmpty ? "has an empty part" : "has `\(bad)`, which is not a Swift identifier"
    } else {
      problem = nil
    }
    if let problem {
      throw ShoalError(
        .invalidImportPath, "import path `\(text)` \(problem)",
        hint: "write `Module.Type` (e.g. `LocalBackend.LocalCluster`) or a bare `Type`")
    }
    module = parts.count == 2 ? parts[0] : nil
    name = parts.last!
  }

  /// A path from its parts.
  public init(module: String?, name: String) {
    self.module = module
    self.name = name
  }

  /// `Module.Name` or `Name`.
  public var description: String { module.map { "\($0).\(name)" } ?? name }

  /// The file name of the module's library (`libSSHBackend.so`).
  public static func libraryFile(module: String) -> String { "lib\(module).so" }

  static func isIdentifier(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
    return text.unicodeScalars.allSatisfy {
      $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
    }
  }
}
