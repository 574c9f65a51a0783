/// Slurm's time limits (`--time`): `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` and
/// `D-HH:MM:SS`, as sbatch reads them; also what `squeue %L` prints.
package enum SlurmTime {
  /// The number of seconds `text` stands for; nil when it is not a Slurm time or is 0.
  package static func seconds(_ text: String) -> Int? {
    var rest = Substring(text.trimmingSpaces())
    var days = 0
    if let dash = rest.firstIndex(of: "-") {
      guard let value = number(rest[..<dash]) else { return nil }
      days = value
      rest = rest[rest.index(after: dash)...]
      let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(number)
      guard (1...3).contains(parts.count), !parts.contains(where: { $0 == nil }) else {
        return nil
      }
      let values = parts.map { $0! } + Array(repeating: 0, count: 3 - parts.count)
      guard values[1] < 60, values[2] < 60 else { return nil }
      return positive(days * 86400 + values[0] * 3600 + values[1] * 60 + values[2])
    }
    let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(number)
    guard !parts.contains(where: { $0 == nil }) else { return nil }
    let values = parts.map { $0! }
    switch values.count {
    case 1: return positive(values[0] * 60)
    case 2:
      guard values[1] < 60 else { return nil }
      return positive(values[0] * 60 + values[1])
    case 3:
      guard values[1] < 60, values[2] < 60 else { return nil }
      return positive(values[0] * 3600 + values[1] * 60 + values[2])
    default: return nil
    }
  }

  /// `HH:MM:SS`, or `D-HH:MM:SS` from a day on.
  package static func format(_ seconds: Int) -> String {
    let days = seconds / 86400
    let hours = (seconds % 86400) / 3600
    let minutes = (seconds % 3600) / 60
    let rest = seconds % 60
    let clock = [hours, minutes, rest].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined(separator: ":")
    return days > 0 ? "\(days)-\(clock)" : clock
  }

  private static func number(_ text: Substring) -> Int? {
    guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
      return nil
    }
    return Int(text)
  }

  private static func positive(_ value: Int) -> Int? { value > 0 ? value : nil }
}

extension String {
  /// The text without leading and trailing spaces and tabs.
  package func trimmingSpaces() -> String {
    var slice = Substring(self)
    while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
    while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
    return String(slice)
  }
}
