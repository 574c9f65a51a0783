import Foundation

/// Where a process's resident memory is, by mapping: /proc/PID/smaps summed per file
/// (anonymous memory, heap and stacks under their kernel names).
struct Mappings {
  /// Rss and Pss in kilobytes, per mapped file.
  var byFile: [String: (rss: Double, pss: Double)] = [:]

  init?(pid: Int32) {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps", encoding: .utf8) else {
      return nil
    }
    var current = "[anonymous]"
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: " ", omittingEmptySubsequences: true)
      guard let first = parts.first else { continue }
      if first.contains("-") && !first.hasSuffix(":") {
        // A mapping's header: ADDRESS PERMS OFFSET DEV INODE [PATH]
        current =
          parts.count >= 6
          ? (parts[5].split(separator: "/").last.map(String.init) ?? "?") : "[anonymous]"
      } else if parts.count >= 2, let value = Double(parts[1]) {
        if first == "Rss:" { byFile[current, default: (0, 0)].rss += value }
        if first == "Pss:" { byFile[current, default: (0, 0)].pss += value }
      }
    }
  }

  /// The largest `count` mappings by Rss, one per line: `name  RSS MB  PSS MB`.
  func table(count: Int = 14) -> String {
    let total = byFile.values.reduce((0.0, 0.0)) { ($0.0 + $1.rss, $0.1 + $1.pss) }
    var lines = [
      "mapping                                   RSS MB   PSS MB",
      String(format: "%-40@  %7.2f  %7.2f", "(all)" as NSString, total.0 / 1024, total.1 / 1024),
    ]
    for (name, size) in byFile.sorted(by: { $0.value.rss > $1.value.rss }).prefix(count) {
      lines.append(
        String(format: "%-40@  %7.2f  %7.2f", name as NSString, size.rss / 1024, size.pss / 1024))
    }
    return lines.joined(separator: "\n")
  }
}
