import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// CPU and memory of local processes and their descendants, from `/proc` (Linux):
/// what `shoal ps` shows for workers that run on this machine.
public struct ProcessUsage: Sendable, Hashable, Codable {
  /// CPU use over the sampling interval, in percent of one core (200 = two cores busy).
  public var cpuPercent: Double
  /// Resident memory, in bytes.
  public var memoryBytes: Int

  /// Samples `pids` (each with its descendants: a worker's running tasks) twice,
  /// `interval` apart. Processes that are gone are left out.
  public static func sample(_ pids: [Int32], interval: Duration = .milliseconds(250)) async
    -> [Int32: ProcessUsage]
  {
    guard !pids.isEmpty else { return [:] }
    let clock = ContinuousClock()
    let before = ticks(of: pids)
    let start = clock.now
    try? await Task.sleep(for: interval)
    let after = ticks(of: pids)
    let parts = start.duration(to: clock.now).components
    let seconds = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
    var usage: [Int32: ProcessUsage] = [:]
    for pid in pids {
      guard let now = after[pid], let then = before[pid] else { continue }
      let cpu = seconds > 0 ? Double(max(0, now.ticks - then.ticks)) / hertz / seconds * 100 : 0
      usage[pid] = ProcessUsage(cpuPercent: cpu, memoryBytes: now.rss)
    }
    return usage
  }

  /// For each of `pids`: CPU ticks (user + system) and resident bytes, summed over
  /// the process and its descendants.
  static func ticks(of pids: [Int32]) -> [Int32: (ticks: Int, rss: Int)] {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    var parent: [Int32: Int32] = [:]
    var own: [Int32: (ticks: Int, rss: Int)] = [:]
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = Int32(entry), let stat = statFields(pid) else { continue }
      parent[pid] = stat.parent
      own[pid] = (stat.ticks, stat.pages * page)
    }
    var result: [Int32: (ticks: Int, rss: Int)] = [:]
    for root in pids where own[root] != nil {
      var total = (ticks: 0, rss: 0)
      for (pid, values) in own where isDescendant(pid, of: root, parent: parent) {
        total.ticks += values.ticks
        total.rss += values.rss
      }
      result[root] = total
    }
    return result
  }

  private static func isDescendant(_ pid: Int32, of root: Int32, parent: [Int32: Int32]) -> Bool {
    var current: Int32? = pid
    var steps = 0
    while let value = current, steps < 64 {
      if value == root { return true }
      current = parent[value]
      steps += 1
    }
    return false
  }

  /// Parent pid, utime + stime, and resident pages from `/proc/PID/stat`.
  private static func statFields(_ pid: Int32) -> (parent: Int32, ticks: Int, pages: Int)? {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
    let text = String(decoding: data, as: UTF8.self)
    // The command name, in parentheses, may contain spaces: fields start after `) `.
    guard let close = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // fields[0] is state (field 3); ppid is field 4, utime 14, stime 15, rss 24.
    guard fields.count > 21, let parent = Int32(fields[1]), let user = Int(fields[11]),
      let system = Int(fields[12]), let pages = Int(fields[21])
    else { return nil }
    return (parent, user + system, pages)
  }
}
