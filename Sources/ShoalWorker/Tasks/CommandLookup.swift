import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Finds the program a shell task names, the way a shell would: a name with a `/` is
/// a path, any other name is looked up in the folders of `PATH`.
///
/// A worker runs the same few programs over and over, and each lookup costs a `stat`
/// per folder until the program is found (about 7% of a worker's CPU for `true`). Like
/// a shell's command hash, a found program is remembered — here for `remembered`, so a
/// program installed earlier on PATH is picked up within that time — and forgotten at
/// once when starting it fails (the caller looks again).
final class CommandLookup: Sendable {
  /// How long a found program is remembered.
  static let remembered: Duration = .seconds(1)

  private struct Key: Hashable {
    let command: String
    let path: String?
  }
  private let found = Mutex<[Key: (executable: String, until: ContinuousClock.Instant)]>([:])
  private let clock = ContinuousClock()

  init() {}

  /// The executable file for `command`, or nil when there is none; `remembered`
  /// says whether it came from what this lookup remembers.
  func resolve(_ command: String, path: String?) -> (executable: String, remembered: Bool)? {
    let key = Key(command: command, path: path)
    let now = clock.now
    if let entry = found.withLock({ $0[key] }), now < entry.until {
      return (entry.executable, true)
    }
    guard let executable = Self.search(command, path: path) else {
      found.withLock { _ = $0.removeValue(forKey: key) }
      return nil
    }
    found.withLock { found in
      if found.count >= 256 { found.removeAll(keepingCapacity: true) }
      found[key] = (executable, now + Self.remembered)
    }
    return (executable, false)
  }

  /// Forgets what was found for `command` under `path` (starting it failed).
  func forget(_ command: String, path: String?) {
    _ = found.withLock { $0.removeValue(forKey: Key(command: command, path: path)) }
  }

  /// The executable file for `command`, searched now.
  static func search(_ command: String, path: String?) -> String? {
    if command.isEmpty { return nil }
    if hasSlash(command) { return isExecutableFile(command) ? command : nil }
    let folders = (path ?? "/usr/local/bin:/usr/bin:/bin").split(
      separator: ":", omittingEmptySubsequences: false)
    for folder in folders {
      let candidate = (folder.isEmpty ? "." : String(folder)) + "/" + command
      if isExecutableFile(candidate) { return candidate }
    }
    return nil
  }

  /// Whether `command` names a path rather than a program to look up.
  static func hasSlash(_ command: String) -> Bool { command.utf8.contains(UInt8(ascii: "/")) }

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
