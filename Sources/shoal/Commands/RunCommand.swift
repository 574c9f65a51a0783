import ArgumentParser
import Foundation
import Shoal
import ShoalCore
import Synchronization
import UnixSignals

/// `shoal run -- CMD ARGS...`: one shell task on the cluster.
struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run one command on a worker and exit with its status.",
    discussion: """
      Streams the command's stdout and stderr as the command writes them (stdout to \
      stdout, stderr to stderr) and exits with its exit status. A task that times out exits 124; one the \
      cluster could not run (lost, rejected) exits 1 with the reason on stderr.

      Examples:
        shoal run -- hostname                    the default cluster of clusters.yaml
        shoal run --cluster burst -- hostname    the cluster `burst`
        shoal run --address tcp://127.0.0.1:8786 --env NAME=x -- sh -c 'echo $NAME'
      """)

  @OptionGroup var target: TargetOptions
  @OptionGroup var task: ShellTaskOptions

  @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
  var command: [String] = []

  func validate() throws {
    guard !command.isEmpty else {
      throw ValidationError("give the command to run after --, e.g. shoal run -- hostname")
    }
  }

  func run() async throws {
    try await withErrorReporting { try await runTask() }
  }

  /// Runs the command as a task; its failures are reported as `error: ...`.
  private func runTask() async throws {
    let spec = task.spec(command[0], Array(command.dropFirst()))
    // The output is printed as it arrives, so the result's (capped) copy is not, unless
    // nothing came streamed on that stream (a worker that does not stream).
    let streamed = StreamsSeen()
    // Ctrl-C (or SIGTERM) cancels the task (or, while the cluster starts, keeps it from
    // being submitted); the cluster then closes as usual. A second one exits at once.
    let interrupt = Interrupt()
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    let watcher = Task {
      var received = 0
      for await _ in signals {
        received += 1
        if received > 1 { Foundation.exit(130) }
        interrupt.fire()
      }
    }
    defer { watcher.cancel() }
    let result = try await target.withExecutor { executor -> TaskResult in
      let task = executor.submit(spec) { stream, bytes in
        streamed.streams.withLock { _ = $0.insert(stream) }
        let handle = stream == .stdout ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data(bytes))
      }
      interrupt.onFire { executor.cancel(task) }
      return try await task.result
    }
    let seen = streamed.streams.withLock { $0 }
    if !seen.contains(.stdout) { FileHandle.standardOutput.write(Data(result.output)) }
    if !seen.contains(.stderr) { FileHandle.standardError.write(Data(result.errorOutput)) }
    if result.truncated && seen.isEmpty {
      FileHandle.standardError.write(Data("shoal: output cut at 1 MiB\n".utf8))
    }
    if let reason = TaskOutcome.notStarted(result) {
      // The command never ran (not found, no such working directory): the same
      // message as `shoal map`, and exit 1 as for anything the cluster could not run.
      StandardError.write("error: \(reason)\n")
      throw ExitCode(1)
    }
    switch result.status {
    case .succeeded:
      return
    case .failed where result.exitCode != nil:
      throw ExitCode(result.exitCode!)
    case .cancelled:
      StandardError.write("shoal: interrupted; the task was cancelled\n")
      throw ExitCode(130)
    case .timedOut:
      FileHandle.standardError.write(Data("shoal: \(result.message ?? "timed out")\n".utf8))
      throw ExitCode(124)
    default:
      FileHandle.standardError.write(
        Data("shoal: task \(result.status): \(result.message ?? "")\n".utf8))
      throw ExitCode(1)
    }
  }
}

/// A Ctrl-C that may come before there is anything to cancel: the action registered
/// later runs at once.
private final class Interrupt: Sendable {
  private let state = Mutex<(fired: Bool, action: (@Sendable () -> Void)?)>((false, nil))

  func fire() {
    let action = state.withLock { state -> (@Sendable () -> Void)? in
      state.fired = true
      return state.action
    }
    action?()
  }

  func onFire(_ action: @escaping @Sendable () -> Void) {
    let fired = state.withLock { state -> Bool in
      state.action = action
      return state.fired
    }
    if fired { action() }
  }
}

/// The streams `shoal run` has printed streamed output of.
private final class StreamsSeen: Sendable {
  let streams = Mutex<Set<TaskOutput.Stream>>([])
}
