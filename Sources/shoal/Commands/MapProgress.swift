import Foundation

/// `shoal map`'s progress on stderr: a bar redrawn in place on a terminal, a plain
/// line every tenth of the work otherwise.
struct MapProgress {
  let total: Int
  let terminal: Bool
  private(set) var done = 0
  private(set) var failed = 0
  private var shown = false
  private var lastPlain = 0

  init(total: Int, terminal: Bool) {
    self.total = total
    self.terminal = terminal
  }

  mutating func finished(failed isFailure: Bool) {
    done += 1
    if isFailure { failed += 1 }
  }

  /// Draws the bar (terminal) or prints a line when another tenth is done.
  mutating func draw() {
    if terminal {
      let width = 30
      let filled = total == 0 ? width : width * done / total
      let bar =
        String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      let failures = failed > 0 ? " \(failed) failed" : ""
      write("\r[\(bar)] \(done)/\(total)\(failures)\u{1B}[K")
      shown = true
    } else {
      let step = max(1, total / 10)
      if done == total || done - lastPlain >= step {
        lastPlain = done
        write("shoal map: \(done)/\(total) done" + (failed > 0 ? ", \(failed) failed" : "") + "\n")
      }
    }
  }

  /// Removes the bar so that output can be printed.
  mutating func clear() {
    if terminal && shown {
      write("\r\u{1B}[K")
      shown = false
    }
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}
