import Foundation

/// The figures one run measured, printed as the one JSON line the harness reads:
/// `{"figures": {"rtt_p50_ms": 0.21, ...}}`. Names match `Benchmarks/dask/bench.py`.
struct Figures {
  private(set) var values: [String: Double] = [:]

  subscript(name: String) -> Double? {
    get { values[name] }
    set { values[name] = newValue }
  }

  /// The JSON line.
  func json() -> String {
    let body = values.keys.sorted().map { "\"\($0)\": \(values[$0]!)" }.joined(separator: ", ")
    return "{\"figures\": {\(body)}}"
  }
}

/// Percentile of sorted samples (nearest rank).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
  guard !sorted.isEmpty else { return .nan }
  let rank = min(sorted.count - 1, Int(Double(sorted.count) * p))
  return sorted[rank]
}

/// Seconds since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
  let elapsed = ContinuousClock.now - start
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Resident set size of a process in bytes (`VmRSS` in /proc/PID/status), nil when gone.
func residentBytes(pid: Int32) -> Double? {
  guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
    return nil
  }
  for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
    let parts = line.split(separator: " ", omittingEmptySubsequences: true)
    if parts.count >= 2, let kilobytes = Double(parts[1]) { return kilobytes * 1024 }
  }
  return nil
}

/// CPU time (user + system) a process used so far, in seconds; nil when gone.
func cpuSeconds(pid: Int32) -> Double? {
  guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = text.lastIndex(of: ")")
  else { return nil }
  // Fields after the command name: state is field 3; utime, stime are fields 14, 15.
  let fields = text[text.index(after: close)...].split(separator: " ")
  guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
    return nil
  }
  return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Private memory of a process in bytes (USS: `Private_Clean + Private_Dirty` of
/// /proc/PID/smaps_rollup), nil when gone.
func uniqueBytes(pid: Int32) -> Double? { smapsRollup(pid: pid, prefix: "Private_") }

/// Proportional set size (each shared page divided by the processes mapping it).
func proportionalBytes(pid: Int32) -> Double? { smapsRollup(pid: pid, prefix: "Pss:") }

/// The sum of the /proc/PID/smaps_rollup lines starting with `prefix`, in bytes.
func smapsRollup(pid: Int32, prefix: String) -> Double? {
  guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else {
    return nil
  }
  var kilobytes = 0.0
  for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
    let parts = line.split(separator: " ", omittingEmptySubsequences: true)
    if parts.count >= 2, let value = Double(parts[1]) { kilobytes += value }
  }
  return kilobytes * 1024
}

/// A failure that ends the run with a message on stderr.
struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
