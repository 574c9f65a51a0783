import ArgumentParser
import Foundation
import Shoal
import ShoalCore
import Synchronization

/// `shoal map -- CMD ... {} ...`: one shell task per input line, GNU-parallel style.
struct MapCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "map",
    abstract: "Run a command once per input line across the cluster.",
    discussion: """
      Each line of --inputs (a file, or - for stdin) becomes one task: `{}` in the
      command is replaced by the line (without any `{}`, the line is added as the last
      argument). Outputs are printed in input order. Progress goes to stderr: a bar on a
      terminal, plain lines otherwise. Ends with a summary; exits 1 if any task failed.

      Example:
        seq 1000 | shoal map --address tcp://127.0.0.1:8786 -j 100 -- sh -c 'echo $(({} * {}))'
      """)

  @OptionGroup var target: TargetOptions
  @OptionGroup var task: ShellTaskOptions

  @Option(help: ArgumentHelp("The input lines: a file, or - for stdin.", valueName: "file"))
  var inputs = "-"

  @Option(
    name: [.customShort("j"), .customLong("jobs")],
    help: ArgumentHelp("At most this many tasks at once (default: all).", valueName: "n"))
  var jobs: Int?

  @Argument(parsing: .postTerminator, help: "The command, with {} for the input line, after --.")
  var command: [String] = []

  func validate() throws {
    guard !command.isEmpty else {
      throw ValidationError("give the command after --, e.g. shoal map -- echo {}")
    }
    if let jobs, jobs < 1 { throw ValidationError("-j must be at least 1") }
  }

  func run() async throws {
    let lines = try readLines()
    let specs = lines.map { line -> TaskSpec in
      let substituted =
        command.contains { $0.contains("{}") }
        ? command.map { $0.replacingOccurrences(of: "{}", with: line) } : command + [line]
      return task.spec(substituted[0], Array(substituted.dropFirst()))
    }
    var failures: [(Int, TaskResult)] = []
    try await target.withExecutor { executor in
      var progress = MapProgress(total: specs.count, terminal: isatty(STDERR_FILENO) == 1)
      var pending: [Int: TaskResult] = [:]
      var nextToPrint = 0
      do {
        for try await (index, result) in completions(of: specs, on: executor) {
          if result.status != .succeeded { failures.append((index, result)) }
          pending[index] = result
          progress.finished(failed: result.status != .succeeded)
          while let ready = pending.removeValue(forKey: nextToPrint) {
            progress.clear()
            Self.print(ready, index: nextToPrint, input: lines[nextToPrint])
            nextToPrint += 1
          }
          progress.draw()
        }
      } catch {
        progress.clear()
        throw error
      }
      progress.clear()
    }
    let failed = failures.count
    var summary = "shoal map: \(specs.count) tasks, \(specs.count - failed) succeeded"
    if failed > 0 {
      summary += ", \(failed) failed"
      let counts = Dictionary(grouping: failures, by: { $0.1.status.description })
      summary +=
        " (" + counts.keys.sorted().map { "\(counts[$0]!.count) \($0)" }.joined(separator: ", ")
        + ")"
      let first = failures.min { $0.0 < $1.0 }!
      summary += "; first: line \(first.0 + 1) `\(lines[first.0])`"
    }
    FileHandle.standardError.write(Data((summary + "\n").utf8))
    if failed > 0 { throw ExitCode(1) }
  }

  private func readLines() throws -> [String] {
    let data: Data
    if inputs == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let contents = FileManager.default.contents(atPath: inputs) else {
        throw ValidationError("cannot read the inputs file \(inputs)")
      }
      data = contents
    }
    var lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    return lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
  }

  /// Results in completion order; with -j, at most that many tasks in flight.
  private func completions(of specs: [TaskSpec], on executor: Executor)
    -> AsyncThrowingStream<(Int, TaskResult), any Error>
  {
    guard let jobs, jobs < specs.count else {
      let stream = executor.completions(of: executor.submit(specs))
      return AsyncThrowingStream {
        var iterator = stream.makeAsyncIterator()
        return try await iterator.next().map { ($0.index, $0.result) }
      }
    }
    let (stream, continuation) = AsyncThrowingStream.makeStream(
      of: (Int, TaskResult).self, throwing: (any Error).self)
    let next = NextIndex()
    let task = Task {
      do {
        try await withThrowingTaskGroup(of: Void.self) { group in
          for _ in 0..<jobs {
            group.addTask {
              while let index = next.take(below: specs.count) {
                continuation.yield((index, try await executor.submit(specs[index]).result))
              }
            }
          }
          try await group.waitForAll()
        }
        continuation.finish()
      } catch {
        continuation.finish(throwing: error)
      }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
  }

  private static func print(_ result: TaskResult, index: Int, input: String) {
    FileHandle.standardOutput.write(Data(result.output))
    FileHandle.standardError.write(Data(result.errorOutput))
    if result.status != .succeeded {
      let reason =
        result.status == .failed && result.exitCode != nil
        ? "exit status \(result.exitCode!)" : "\(result.status)"
      let detail = result.message.map { ": \($0)" } ?? ""
      FileHandle.standardError.write(
        Data("shoal map: line \(index + 1) `\(input)` \(reason)\(detail)\n".utf8))
    }
  }
}

/// Hands out input indexes to the -j lanes.
private final class NextIndex: Sendable {
  private let value = Mutex(0)
  func take(below count: Int) -> Int? {
    value.withLock { next in
      guard next < count else { return nil }
      defer { next += 1 }
      return next
    }
  }
}
