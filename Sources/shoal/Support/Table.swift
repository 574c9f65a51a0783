/// Plain-text tables for terminal output: columns padded to their widest cell.
enum Table {
  /// `rows` with each column padded; the first row is the header when `header`.
  static func render(_ rows: [[String]], header: Bool = true) -> String {
    let columns = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columns)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    var text = ""
    for row in rows {
      var line = ""
      for (index, cell) in row.enumerated() {
        let isLast = index == row.count - 1
        line += isLast ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
      }
      text += line + "\n"
    }
    return text
  }
}

/// Durations for people: `500ms`, `1s`, `1.5s`, `120s`.
enum Seconds {
  /// `seconds` in the shortest readable unit.
  static func format(_ seconds: Double) -> String {
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    if seconds == seconds.rounded() { return "\(Int(seconds))s" }
    return "\(seconds)s"
  }
}
