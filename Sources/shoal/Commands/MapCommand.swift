import ArgumentParser
import Foundation
import Shoal
import ShoalCore
import UnixSignals

/// `shoal map -- CMD ... {} ...`: one shell task per input line, GNU-parallel style.
struct MapCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "map",
    abstract: "Run a command once per input line across the cluster.",
    discussion: """
      Each line of --inputs (a file, or - for stdin) becomes one task: `{}` in the \
      command is replaced by the line (without any `{}`, the line is added as the last \
      argument, with a warning). Outputs are printed in input order. Progress goes to \
      stderr: on a terminal a bar as wide as the terminal with the running and queued \
      counts, the rate and the time left; plain lines otherwise. Each distinct failure is \
      printed once, with the line it first happened on; the summary counts repeats and \
      says how long the run took. Exits 1 if any task failed, 130 after Ctrl-C (what \
      finished is reported, the rest cancelled).

      Example:
        seq 1000 | shoal map -j 100 -- sh -c 'echo $(({} * {}))'
        shoal map --inputs hosts.txt --fail-fast --retries 2 -- ping -c 1 {}
      """)

  @OptionGroup var target: TargetOptions
  @OptionGroup var task: ShellTaskOptions

  @Option(help: ArgumentHelp("The input lines: a file, or - for stdin.", valueName: "file"))
  var inputs = "-"

  @Option(
    name: [.customShort("j"), .customLong("jobs")],
    help: ArgumentHelp("At most this many tasks at once (default: all).", valueName: "n"))
  var jobs: Int?

  @Flag(
    name: .customLong("fail-fast"),
    help: "Stop at the first task that does not succeed: cancel the rest, report what finished.")
  var failFast = false

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
    let hasPlaceholder = command.contains { $0.contains("{}") }
    if !hasPlaceholder {
      ErrorReporting.warn(
        "the command has no {}: each input line is added as its last argument"
          + " (`\(command.joined(separator: " ")) LINE`); put {} where the line goes")
    }
    if inputs == "-" && isatty(STDIN_FILENO) == 1 {
      StandardError.write(
        "shoal map: reading input lines from the terminal; end them with Ctrl-D"
          + " (or pass --inputs FILE, or pipe them in)\n")
    }
    let lines = try readLines()
    let specs = lines.map { line -> TaskSpec in
      let substituted =
        hasPlaceholder
        ? command.map { $0.replacingOccurrences(of: "{}", with: line) } : command + [line]
      return task.spec(substituted[0], Array(substituted.dropFirst()))
    }
    let report = MapReport(lines: lines, terminal: isatty(STDERR_FILENO) == 1)
    let run = MapRun(specs: specs, report: report, jobs: jobs, failFast: failFast)
    let timeout = Duration.milliseconds(Int64(target.connectTimeoutSeconds * 1000))
    // Ctrl-C (or SIGTERM) stops the run: the rest is cancelled (or, while the cluster
    // starts, nothing is submitted), what finished is reported, a temporary cluster is
    // closed; a second one exits at once.
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    let watcher = Task {
      var received = 0
      for await _ in signals {
        received += 1
        if received > 1 { Foundation.exit(130) }
        run.stop("interrupted")
      }
    }
    defer { watcher.cancel() }
    let finished = try await target.withTarget { cluster in
      let executor = try await Executor.connect(
        address: cluster.address, token: cluster.token, tls: cluster.tls, timeout: timeout)
      do {
        let finished = try await run.run(on: executor, token: cluster.token, tls: cluster.tls)
        await executor.close()
        return finished
      } catch {
        await executor.close()
        throw error
      }
    }
    FileHandle.standardError.write(Data((finished.summary(stopped: run.stopped) + "\n").utf8))
    if run.stopped == "interrupted" { throw ExitCode(130) }
    if finished.failed > 0 || run.stopped != nil { throw ExitCode(1) }
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
