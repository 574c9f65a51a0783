import Foundation
import Synchronization

/// This benchmark run again as a child process (`serve`, `workers`), so that the
/// scheduler's memory is its own process's and the workers' CPU is apart from it.
/// The child reports on stdout, one line at a time; a thread collects the lines.
final class ChildProcess: Sendable {
  private let process: Process
  private let output = Output()

  /// What the reading thread collected.
  private final class Output: Sendable {
    let lines = Mutex<[String]>([])
    let ended = Mutex(false)
    let latest = Mutex("")
  }

  init(arguments: [String], environment: [String: String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardInput = Pipe()
    try process.run()
    self.process = process
    let handle = pipe.fileHandleForReading
    let output = self.output
    let thread = Thread {
      var pending = Data()
      while true {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        pending.append(chunk)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
          let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
          pending.removeSubrange(pending.startIndex...newline)
          output.lines.withLock { $0.append(line) }
        }
      }
      output.ended.withLock { $0 = true }
    }
    thread.start()
  }

  var pid: Int32 { process.processIdentifier }

  /// The next line the child printed (waits up to 60 s).
  func readLine() throws -> String {
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      if let line = output.lines.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return line }
      if output.ended.withLock({ $0 }) {
        throw BenchError("child `\(process.arguments ?? [])` exited")
      }
      usleep(1000)
    }
    throw BenchError("child `\(process.arguments ?? [])` said nothing for 60 s")
  }

  /// The child's latest status line (`queued N workers N`) and its resident memory.
  func query() throws -> (queued: Int, workers: Int, rss: Double) {
    let last = output.lines.withLock { lines -> String? in
      defer { lines.removeAll() }
      return lines.last
    }
    if let last { output.latest.withLock { $0 = last } }
    let fields = (output.latest.withLock { $0 }).split(separator: " ")
    let queued = fields.count >= 2 ? Int(fields[1]) ?? 0 : 0
    let workers = fields.count >= 4 ? Int(fields[3]) ?? 0 : 0
    guard let rss = residentBytes(pid: pid) else { throw BenchError("child \(pid) is gone") }
    return (queued, workers, rss)
  }

  /// SIGTERM, then waits for the exit.
  func stop() {
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
  }
}
