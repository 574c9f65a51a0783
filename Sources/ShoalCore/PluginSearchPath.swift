#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The ordered folders in which the core looks for `libModule.so`.
///
/// Order: `--plugin-path`, `$SHOAL_PLUGIN_PATH` (colon-separated), the config's
/// `plugin_path`, then the folder of the running executable (so that a plain
/// `swift build` finds the in-tree backends next to `shoal`), then
/// `../lib/shoal/plugins` from it when that exists (an installed shoal).
public struct PluginSearchPath: Sendable, Hashable {
  /// One folder and where it came from, for error messages.
  public struct Folder: Sendable, Hashable, CustomStringConvertible {
    /// The folder's path.
    public var path: String
    /// Where it came from (`--plugin-path`, `$SHOAL_PLUGIN_PATH`, ...).
    public var origin: String
    /// A folder.
    public init(path: String, origin: String) {
      self.path = path
      self.origin = origin
    }
    /// `path (origin)`.
    public var description: String { "\(path) (\(origin))" }
  }

  /// The folders, first match wins.
  public var folders: [Folder]

  /// A search path of the given folders.
  public init(folders: [Folder]) { self.folders = folders }

  /// The standard search path.
  public static func standard(
    commandLine: [String] = [], environment: [String: String] = PluginSearchPath.environment(),
    config: [String] = [], executableDirectory: String? = PluginSearchPath.executableDirectory()
  ) -> PluginSearchPath {
    var folders: [Folder] = []
    for path in commandLine.flatMap({ $0.split(separator: ":").map(String.init) }) {
      folders.append(Folder(path: path, origin: "--plugin-path"))
    }
    for path in (environment["SHOAL_PLUGIN_PATH"] ?? "").split(separator: ":") {
      folders.append(Folder(path: String(path), origin: "$SHOAL_PLUGIN_PATH"))
    }
    for path in config { folders.append(Folder(path: path, origin: "plugin_path in the config")) }
    if let executableDirectory {
      folders.append(Folder(path: executableDirectory, origin: "next to the shoal executable"))
      // An installed shoal (Scripts/install): PREFIX/bin/shoal, PREFIX/lib/shoal/plugins.
      let parent =
        executableDirectory.lastIndex(of: "/").map { String(executableDirectory[..<$0]) } ?? ""
      let installed = parent + "/lib/shoal/plugins"
      if access(installed, F_OK) == 0 {
        folders.append(Folder(path: installed, origin: "the plugins of an installed shoal"))
      }
    }
    var seen = Set<String>()
    return PluginSearchPath(folders: folders.filter { seen.insert($0.path).inserted })
  }

  /// The first `libModule.so` on the path.
  public func find(module: String) -> String? {
    let file = ImportPath.libraryFile(module: module)
    for folder in folders {
      let candidate = folder.path + "/" + file
      if access(candidate, F_OK) == 0 { return candidate }
    }
    return nil
  }

  /// Every `lib*.so` on the path, the first of each name only, in path order.
  public func libraries() -> [(module: String, path: String)] {
    var seen = Set<String>()
    var found: [(String, String)] = []
    for folder in folders {
      for entry in PluginSearchPath.listDirectory(folder.path).sorted()
      where entry.hasPrefix("lib") && entry.hasSuffix(".so") {
        let module = String(entry.dropFirst(3).dropLast(3))
        if module == "ShoalCore" || !seen.insert(module).inserted { continue }
        found.append((module, folder.path + "/" + entry))
      }
    }
    return found
  }

  /// The folders, one per line, for error messages.
  public var listing: String {
    folders.isEmpty ? "  (no folders)" : folders.map { "  \($0)" }.joined(separator: "\n")
  }

  /// The process environment as a dictionary.
  public static func environment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
      let text = String(cString: entry)
      if let equals = text.firstIndex(of: "=") {
        result[String(text[..<equals])] = String(text[text.index(after: equals)...])
      }
      pointer += 1
    }
    return result
  }

  /// The folder of the running executable (`/proc/self/exe`).
  public static func executableDirectory() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = path.lastIndex(of: "/") else { return nil }
    return String(path[..<slash])
  }

  static func listDirectory(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }
}
