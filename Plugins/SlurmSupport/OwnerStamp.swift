#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `HOST:PID:STARTTIME` of a `shoal` process: the owner tag of the jobs it submits,
/// so that a later `shoal` can tell jobs of a live cluster from those a killed one left.
package enum OwnerStamp {
  /// This process's stamp.
  package static func current() -> String {
    let pid = getpid()
    return "\(hostName()):\(pid):\(startTime(of: pid) ?? 0)"
  }

  /// Whether the process a stamp names is still running. A stamp of another host
  /// cannot be checked: it counts as alive (its jobs are left alone).
  package static func isAlive(_ stamp: String) -> Bool {
    let parts = stamp.split(separator: ":")
    guard parts.count == 3, let pid = Int32(parts[1]), let start = UInt64(parts[2]) else {
      return false
    }
    guard String(parts[0]) == hostName() else { return true }
    return startTime(of: pid) == start
  }

  /// This machine's host name.
  package static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
    return String(
      decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Field 22 of /proc/PID/stat (start time in clock ticks); nil when the process is
  /// gone or a zombie.
  static func startTime(of pid: Int32) -> UInt64? {
    guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
    let line = String(
      decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let close = line.lastIndex(of: ")") else { return nil }
    let fields = line[line.index(after: close)...].split(separator: " ")
    guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
    return UInt64(fields[19])
  }
}
