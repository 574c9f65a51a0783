import Foundation

/// What `/proc/PID` says about a process on this machine: CPU time, threads, resident
/// memory and age. Nil for a process that is not local (SSH hosts, containers whose
/// pid is not ours) or is gone.
struct ProcessStats: Sendable, Hashable {
  /// User plus system CPU time, in seconds.
  var cpuSeconds: Double
  /// Threads.
  var threads: Int
  /// Resident set size, in bytes.
  var rssBytes: Int
  /// Seconds since it started.
  var uptimeSeconds: Double

  private static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
  private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

  /// Reads `/proc/pid/stat`; nil when it cannot.
  static func read(pid: Int32) -> ProcessStats? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8)
    else { return nil }
    return parse(stat: stat, uptime: uptime)
  }

  /// Parses the text of `/proc/PID/stat` and `/proc/uptime`.
  static func parse(stat: String, uptime: String) -> ProcessStats? {
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    guard let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // fields[0] is field 3 (state): field N is fields[N - 3].
    guard fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
      let threads = Int(fields[17]), let start = Double(fields[19]), let rss = Int(fields[21]),
      let now = uptime.split(separator: " ").first.flatMap({ Double($0) })
    else { return nil }
    return ProcessStats(
      cpuSeconds: (utime + stime) / ticks, threads: threads, rssBytes: rss * pageSize,
      uptimeSeconds: max(0, now - start / ticks))
  }

  /// The pid in a worker's location (`pid 1234`), when it names one.
  static func pid(fromLocation location: String?) -> Int32? {
    guard let location, location.hasPrefix("pid ") else { return nil }
    return Int32(location.dropFirst(4).prefix { $0.isNumber })
  }
}
