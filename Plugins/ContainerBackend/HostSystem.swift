import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Small facts about the host, read through libc (the plugin links only ShoalCore).
enum HostSystem {
  /// The value of an environment variable of this process.
  static func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }

  /// The current directory.
  static func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return "." }
    return string(buffer)
  }

  /// A NUL-terminated C string buffer as a String.
  static func string(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Whether `path` exists (following symbolic links).
  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  /// Whether `path` is an executable regular file.
  static func isExecutableFile(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    return (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
  }

  /// `name` looked up on `PATH` (or `path`), as `which` does.
  static func which(_ name: String, path: String? = nil) -> String? {
    if name.contains("/") { return isExecutableFile(name) ? name : nil }
    let folders = (path ?? environment("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
      .split(separator: ":").map(String.init)
    for folder in folders where !folder.isEmpty {
      let candidate = folder + "/" + name
      if isExecutableFile(candidate) { return candidate }
    }
    return nil
  }

  /// The start time of process `pid` in clock ticks since boot (`/proc/PID/stat`
  /// field 22); with the pid, it names one process even after pids are reused.
  /// Nil when there is no such process, or only its zombie.
  static func startTime(of pid: Int32) -> UInt64? {
    guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 2048)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
    let line = string(buffer)
    // The command name (field 2) may hold spaces; fields after the last `)` are plain.
    guard let close = line.lastIndex(of: ")") else { return nil }
    let fields = line[line.index(after: close)...].split(separator: " ")
    // fields[0] is field 3 (state), so field 22 is fields[19]. A zombie (killed, not
    // yet reaped by its parent) counts as gone.
    guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
    return UInt64(fields[19])
  }

  /// `PID:STARTTIME` of this process: the owner label of the containers it starts.
  static func ownerStamp() -> String {
    let pid = getpid()
    return "\(pid):\(startTime(of: pid) ?? 0)"
  }

  /// Whether the process an owner stamp names is still running.
  static func isAlive(ownerStamp: String) -> Bool {
    let parts = ownerStamp.split(separator: ":")
    guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else {
      return false
    }
    guard let current = startTime(of: pid) else { return false }
    return current == start
  }

  /// The number of online CPUs.
  static var onlineCPUs: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
