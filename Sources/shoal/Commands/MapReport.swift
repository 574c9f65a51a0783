import Foundation
import Shoal

/// What `shoal map` shows as results come in: outputs in input order, progress, each
/// distinct failure once (with the line it first happened on), and the summary.
struct MapReport {
  let lines: [String]
  private var progress: MapProgress
  private var waiting: [Int: TaskResult] = [:]
  private var nextToPrint = 0
  private var failures: [(index: Int, status: TaskResult.Status)] = []
  /// Each distinct failure reason, in order of first appearance, with the lines it
  /// happened on.
  private var reasons: [(reason: String, lines: [Int])] = []
  private let start = ContinuousClock.now
  /// Tasks submitted and not finished (for the bar's running and queued counts).
  var inFlight = 0
  /// The cluster's task slots, when known.
  var slots: Int?

  init(lines: [String], terminal: Bool) {
    self.lines = lines
    progress = MapProgress(total: lines.count, terminal: terminal)
  }

  /// How many tasks did not succeed.
  var failed: Int { failures.count }
  /// How many tasks finished.
  var done: Int { progress.done }

  /// Seconds since the report was made.
  var elapsed: Double {
    let parts = start.duration(to: .now).components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
  }

  /// Takes the result of line `index`: a failure is reported at once (the first time
  /// its reason is seen), outputs are printed once every earlier line is done.
  mutating func add(_ result: TaskResult, index: Int) {
    inFlight = max(0, inFlight - 1)
    progress.clear()
    if result.status != .succeeded {
      failures.append((index, result.status))
      let reason = TaskOutcome.reason(result)
      if let known = reasons.firstIndex(where: { $0.reason == reason }) {
        reasons[known].lines.append(index)
      } else {
        reasons.append((reason, [index]))
        FileHandle.standardError.write(
          Data("shoal map: line \(index + 1) `\(lines[index])`: \(reason)\n".utf8))
      }
    }
    waiting[index] = result
    progress.finished(failed: result.status != .succeeded)
    while let ready = waiting.removeValue(forKey: nextToPrint) {
      FileHandle.standardOutput.write(Data(ready.output))
      FileHandle.standardError.write(Data(ready.errorOutput))
      nextToPrint += 1
    }
    redraw()
  }

  /// Draws the progress again (elapsed time, rate and ETA move on).
  mutating func redraw() {
    progress.draw(inFlight: inFlight, slots: slots, elapsed: elapsed)
  }

  /// Removes the progress bar; after a run stopped early, prints the outputs that
  /// finished after a line that did not (still in input order).
  mutating func finish() {
    progress.clear()
    for index in waiting.keys.sorted() {
      let result = waiting[index]!
      FileHandle.standardOutput.write(Data(result.output))
      FileHandle.standardError.write(Data(result.errorOutput))
    }
    waiting.removeAll()
  }

  /// The closing lines: each failure reason seen on more than one line, with its
  /// count, then `shoal map: N tasks, S succeeded, F failed in 3.2 s (62/s); first:
  /// line L `input``. `stopped` says why the run ended early (interrupted,
  /// --fail-fast), with how many tasks did not finish.
  func summary(stopped: String? = nil) -> String {
    var text = ""
    for (reason, indexes) in reasons where indexes.count > 1 {
      let shown = indexes.sorted().prefix(10).map { String($0 + 1) }.joined(separator: ", ")
      // A long reason (a PATH) was printed in full once: refer to that line.
      let what = reason.count <= 60 ? "with \(reason)" : "like line \(indexes[0] + 1)"
      text +=
        "shoal map: \(indexes.count) lines failed \(what) (lines \(shown)"
        + (indexes.count > 10 ? ", …" : "") + ")\n"
    }
    let seconds = elapsed
    let rate = seconds > 0 ? Double(done) / seconds : 0
    text += "shoal map: \(lines.count) tasks, \(done - failed) succeeded"
    if failed > 0 {
      text += ", \(failed) failed"
      let counts = Dictionary(grouping: failures, by: { $0.status.description })
      if counts.keys.contains(where: { $0 != "failed" }) {
        text +=
          " ("
          + counts.keys.sorted().map { "\(counts[$0]!.count) \($0)" }
          .joined(separator: ", ") + ")"
      }
    }
    if done < lines.count { text += ", \(lines.count - done) not finished" }
    text += " in " + Self.seconds(seconds)
    if done > 0 { text += String(format: rate >= 10 ? " (%.0f/s)" : " (%.1f/s)", rate) }
    if let stopped { text += "; \(stopped)" }
    if let first = failures.min(by: { $0.index < $1.index }) {
      text += "; first failure: line \(first.index + 1) `\(lines[first.index])`"
    }
    return text
  }

  /// `0.42 s`, `12.3 s`, `2m05s`.
  static func seconds(_ value: Double) -> String {
    if value < 10 { return String(format: "%.2f s", value) }
    if value < 60 { return String(format: "%.1f s", value) }
    return MapProgress.duration(value)
  }
}
