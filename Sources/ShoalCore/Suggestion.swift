/// "Did you mean ...?" for names that are close to a valid one.
public enum Suggestion {
  /// The candidate closest to `name` by edit distance, if it is close enough to be a
  /// likely typo (at most a third of the name's length, and at least 1 edit).
  public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
    let lowered = name.lowercased()
    var best: (String, Int)?
    for candidate in candidates {
      let distance = editDistance(lowered, candidate.lowercased())
      if best == nil || distance < best!.1 { best = (candidate, distance) }
    }
    guard let (candidate, distance) = best else { return nil }
    return distance <= max(2, name.count / 3) ? candidate : nil
  }

  /// `; did you mean `x`?` or the empty string.
  public static func didYouMean(_ name: String, in candidates: some Sequence<String>) -> String {
    guard let match = closest(to: name, in: candidates) else { return "" }
    return "; did you mean `\(match)`?"
  }

  /// Levenshtein distance.
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8)
    let b = Array(b.utf8)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}
