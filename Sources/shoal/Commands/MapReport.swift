import Foundation
import Shoal

/// What `shoal map` shows as results come in: outputs in input order, progress, and
/// the failures for the summary.
struct MapReport {
  let lines: [String]
  private var progress: MapProgress
  private var waiting: [Int: TaskResult] = [:]
  private var nextToPrint = 0
  private var failures: [(index: Int, status: TaskResult.Status)] = []

  init(lines: [String], terminal: Bool) {
    self.lines = lines
    progress = MapProgress(total: lines.count, terminal: terminal)
  }

  /// How many tasks did not succeed.
  var failed: Int { failures.count }

  /// Takes the result of line `index`; prints every result that is now next in order.
  mutating func add(_ result: TaskResult, index: Int) {
    if result.status != .succeeded { failures.append((index, result.status)) }
    waiting[index] = result
    progress.finished(failed: result.status != .succeeded)
    while let ready = waiting.removeValue(forKey: nextToPrint) {
      progress.clear()
      print(ready, index: nextToPrint)
      nextToPrint += 1
    }
    progress.draw()
  }

  /// Removes the progress bar.
  mutating func finish() { progress.clear() }

  /// `shoal map: N tasks, S succeeded, F failed (...); first: line L `input``.
  var summary: String {
    var text = "shoal map: \(lines.count) tasks, \(lines.count - failed) succeeded"
    guard let first = failures.min(by: { $0.index < $1.index }) else { return text }
    text += ", \(failed) failed"
    let counts = Dictionary(grouping: failures, by: { $0.status.description })
    if counts.keys.contains(where: { $0 != "failed" }) {
      text +=
        " ("
        + counts.keys.sorted().map { "\(counts[$0]!.count) \($0)" }
        .joined(separator: ", ") + ")"
    }
    return text + "; first: line \(first.index + 1) `\(lines[first.index])`"
  }

  private func print(_ result: TaskResult, index: Int) {
    FileHandle.standardOutput.write(Data(result.output))
    FileHandle.standardError.write(Data(result.errorOutput))
    guard result.status != .succeeded else { return }
    let reason =
      result.status == .failed && result.exitCode != nil
      ? "exit status \(result.exitCode!)" : "\(result.status)"
    let detail = result.message.map { ": \($0)" } ?? ""
    FileHandle.standardError.write(
      Data("shoal map: line \(index + 1) `\(lines[index])` \(reason)\(detail)\n".utf8))
  }
}
