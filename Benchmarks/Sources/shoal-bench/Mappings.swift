import Foundation

/// Where a process's resident memory is, by mapping: /proc/PID/smaps summed per file
/// (anonymous memory, heap and stacks under their kernel names).
struct Mappings {
  /// Rss and Pss in kilobytes, per mapped file.
  var byFile: [String: (rss: Double, pss: Double)] = [:]

  init?(pid: Int32) {
    // Read to the end: /proc files report size 0, and a sized read stops short.
    guard let file = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps") else { return nil }
    defer { try? file.close() }
    let text = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
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
      row("(all)", total.0, total.1),
    ]
    for (name, size) in byFile.sorted(by: { $0.value.rss > $1.value.rss }).prefix(count) {
      lines.append(row(name, size.rss, size.pss))
    }
    return lines.joined(separator: "\n")
  }

  private func row(_ name: String, _ rss: Double, _ pss: Double) -> String {
    let padded = name.count >= 40 ? name : name + String(repeating: " ", count: 40 - name.count)
    return padded + String(format: "  %7.2f  %7.2f", rss / 1024, pss / 1024)
  }
}
