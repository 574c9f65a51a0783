import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `shoal map`'s progress on stderr: on a terminal, one line redrawn in place that
/// uses the terminal's width,
///
///     [##########..........] 68/200 · 4 running · 128 queued · 1 failed · 12.3/s · ETA 11s
///
/// otherwise a plain line every tenth of the work (`shoal map: 20/200 done`).
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
  /// `inFlight`: tasks submitted and not finished; `slots`: the cluster's task slots
  /// (nil when unknown); `elapsed`: seconds since the start.
  mutating func draw(inFlight: Int, slots: Int?, elapsed: Double) {
    if terminal {
      let text = Self.line(
        done: done, total: total, failed: failed, inFlight: inFlight, slots: slots,
        elapsed: elapsed, width: Self.terminalWidth())
      write("\r" + text + "\u{1B}[K")
      shown = true
    } else {
      let step = max(1, total / 10)
      if (done == total && lastPlain != total) || done - lastPlain >= step {
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

  /// The bar's line for a terminal `width` columns wide (never wider than `width - 1`).
  static func line(
    done: Int, total: Int, failed: Int, inFlight: Int, slots: Int?, elapsed: Double, width: Int
  ) -> String {
    var parts = ["\(done)/\(total)"]
    let remaining = total - done
    if let slots {
      let running = min(inFlight, slots)
      parts.append("\(running) running")
      parts.append("\(remaining - running) queued")
    } else {
      parts.append("\(inFlight) in flight")
    }
    if failed > 0 { parts.append("\(failed) failed") }
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    if done > 0 && rate > 0 {
      parts.append(String(format: rate >= 10 ? "%.0f/s" : "%.1f/s", rate))
      if remaining > 0 { parts.append("ETA " + duration(Double(remaining) / rate)) }
    }
    let text = parts.joined(separator: " · ")
    // `[` + bar + `] ` + text, one column short of the width (no wrap at the margin).
    let barWidth = min(60, width - 1 - 3 - text.count)
    guard barWidth >= 5 else { return String(text.prefix(max(0, width - 1))) }
    let filled = total == 0 ? barWidth : barWidth * done / total
    return "[" + String(repeating: "#", count: filled)
      + String(repeating: ".", count: barWidth - filled) + "] " + text
  }

  /// `42s`, `3m05s`, `1h02m`.
  static func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    if total < 60 { return "\(total)s" }
    if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
  }

  /// The width of the terminal on stderr; `$COLUMNS` or 80 when it cannot be read.
  static func terminalWidth() -> Int {
    var size = winsize()
    let result = withUnsafeMutablePointer(to: &size) {
      ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), $0)
    }
    if result == 0 && size.ws_col > 0 { return Int(size.ws_col) }
    return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}
