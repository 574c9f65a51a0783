import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// `shoal map -- CMD ... {} ...`: one shell task per input line, GNU-parallel style.
struct MapCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "map",
    abstract: "Run a command once per input line across the cluster.",
    discussion: """
      Each line of --inputs (a file, or - for stdin) becomes one task: `{}` in the \
      command is replaced by the line (without any `{}`, the line is added as the last \
      argument). Outputs are printed in input order. Progress goes to stderr: a bar on a \
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
    try await withErrorReporting { try await runTasks() }
  }

  /// Runs one task per input line; its failures are reported as `error: ...`.
  private func runTasks() async throws {
    let lines = try readLines()
    let specs = lines.map { line -> TaskSpec in
      let substituted =
        command.contains { $0.contains("{}") }
        ? command.map { $0.replacingOccurrences(of: "{}", with: line) } : command + [line]
      return task.spec(substituted[0], Array(substituted.dropFirst()))
    }
    var report = MapReport(lines: lines, terminal: isatty(STDERR_FILENO) == 1)
    do {
      try await target.withExecutor { executor in
        if let jobs, jobs < specs.count {
          // A sliding window: at most `jobs` tasks in flight.
          try await withThrowingTaskGroup(of: (Int, TaskResult).self) { group in
            var next = 0
            while next < jobs {
              let index = next
              group.addTask { (index, try await executor.submit(specs[index]).result) }
              next += 1
            }
            while let (index, result) = try await group.next() {
              report.add(result, index: index)
              if next < specs.count {
                let index = next
                group.addTask { (index, try await executor.submit(specs[index]).result) }
                next += 1
              }
            }
          }
        } else {
          for try await done in executor.completions(of: executor.submit(specs)) {
            report.add(done.result, index: done.index)
          }
        }
      }
    } catch {
      report.finish()
      throw error
    }
    report.finish()
    FileHandle.standardError.write(Data((report.summary + "\n").utf8))
    if report.failed > 0 { throw ExitCode(1) }
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
}
