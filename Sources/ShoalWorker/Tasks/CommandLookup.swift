#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Finds the program a shell task names, the way a shell would: a name with a `/` is
/// a path, any other name is looked up in the folders of `PATH`.
enum CommandLookup {
  /// The executable file for `command`, or nil when there is none.
  static func resolve(_ command: String, path: String?) -> String? {
    if command.isEmpty { return nil }
    if command.contains("/") { return isExecutableFile(command) ? command : nil }
    let folders = (path ?? "/usr/local/bin:/usr/bin:/bin").split(
      separator: ":", omittingEmptySubsequences: false)
    for folder in folders {
      let candidate = (folder.isEmpty ? "." : String(folder)) + "/" + command
      if isExecutableFile(candidate) { return candidate }
    }
    return nil
  }

  /// Whether `path` is a regular file this process may execute.
  static func isExecutableFile(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
    return access(path, X_OK) == 0
  }

  /// Whether `path` is a folder.
  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
  }
}
