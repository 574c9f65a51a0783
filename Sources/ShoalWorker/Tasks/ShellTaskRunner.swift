import ShoalCore
import ShoalWire
import Subprocess
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

#if canImport(System)
  import System
#else
  import SystemPackage
#endif

/// Runs shell tasks: a program found on PATH, with arguments, environment additions,
/// a working folder, optional standard input and a timeout.
///
/// Each run is its own process group, so a timeout or a cancellation kills the
/// program and everything it started. Standard output and standard error are each
/// kept up to `outputLimit` bytes; beyond that they are read and dropped and the
/// result is marked `truncated`. A non-zero exit, a signal, a missing program or a
/// missing working folder are results (`.failed`), never thrown errors.
public struct ShellTaskRunner: Sendable {
  /// The most bytes kept of each of stdout and stderr.
  public var outputLimit: Int
  /// The worker's environment: its PATH finds programs, and tasks inherit it (less
  /// `withheldVariables`).
  public var environment: [String: String] {
    didSet { inherited = ShellTaskRunner.inheritable(environment) }
  }
  /// `environment` as the tasks get it, converted once rather than for every task (the
  /// alternative, `.inherit`, parses this process's whole environment at each spawn).
  private var inherited: [Environment.Key: String]

  /// A runner with the standard output cap, looking programs up in `environment`.
  public init(
    outputLimit: Int = TaskResult.outputLimit,
    environment: [String: String] = PluginSearchPath.environment()
  ) {
    self.outputLimit = outputLimit
    self.environment = environment
    self.inherited = ShellTaskRunner.inheritable(environment)
  }

  /// `environment` without `withheldVariables`, keyed as swift-subprocess wants it.
  private static func inheritable(_ environment: [String: String]) -> [Environment.Key: String] {
    var result: [Environment.Key: String] = [:]
    for (key, value) in environment where !withheldVariables.contains(key) {
      if let key = Environment.Key(rawValue: key) { result[key] = value }
    }
    return result
  }

  /// Called with each piece of output as the program writes it.
  public typealias OutputHandler = @Sendable (TaskOutput.Stream, [UInt8]) -> Void

  /// Runs `task`, killing it after `timeout`; cancelling the calling task kills it too
  /// (the result is then `.cancelled`). `onOutput`, when given, sees every piece of
  /// stdout and stderr as it is read (all of it, not cut at `outputLimit`).
  public func run(
    _ task: ShellTask, timeout: Duration? = nil, onOutput: OutputHandler? = nil
  ) async -> TaskResult {
    _ = ShellTaskRunner.ignoreBrokenPipes
    let clock = ContinuousClock()
    let start = clock.now
    func seconds() -> Double {
      let elapsed = start.duration(to: clock.now).components
      return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
    let searchPath = task.environment["PATH"] ?? environment["PATH"]
    guard let executable = CommandLookup.resolve(task.command, path: searchPath) else {
      let message =
        task.command.contains("/")
        ? "command not found: \(task.command) (no executable file at that path)"
        : "command not found: \(task.command) (searched PATH=\(searchPath ?? ""))"
      return TaskResult(status: .failed, exitCode: 127, message: message, duration: seconds())
    }
    if let folder = task.workingDirectory, !CommandLookup.isDirectory(folder) {
      return TaskResult(
        status: .failed, message: "working directory not found: \(folder)", duration: seconds())
    }
    if Task.isCancelled {
      return TaskResult(status: .cancelled, message: "cancelled before it started")
    }

    var options = PlatformOptions()
    options.processGroupID = 0  // its own group, so that kill(-pid) reaches its children
    var variables = inherited
    for (key, value) in task.environment {
      if let key = Environment.Key(rawValue: key) { variables[key] = value }
    }
    let limit = outputLimit
    let timedOut = Atomic<Bool>(false)
    do {
      let execution: ExecutionOutcome
      let onTimeout: @Sendable () -> Void = { timedOut.store(true, ordering: .relaxed) }
      if let stdin = task.stdin, !stdin.isEmpty {
        let run = try await Subprocess.run(
          .path(FilePath(executable)), arguments: Arguments(task.arguments),
          environment: .custom(variables),
          workingDirectory: task.workingDirectory.map { FilePath($0) },
          platformOptions: options, input: .inputWriter, output: .sequence, error: .sequence
        ) { execution in
          let writer = execution.standardInputWriter
          return try await ShellTaskRunner.supervise(
            execution.processIdentifier.value, execution.standardOutput,
            execution.standardError, limit: limit, timeout: timeout, onOutput: onOutput,
            onTimeout: onTimeout
          ) {
            // The program may exit without reading: a broken pipe is not an error here.
            _ = try? await writer.write(stdin)
            try? await writer.finish()
          }
        }
        execution = ExecutionOutcome(run.closureResult, run.terminationStatus)
      } else {
        // No standard input: /dev/null, so no pipe and no writer task per run.
        let run = try await Subprocess.run(
          .path(FilePath(executable)), arguments: Arguments(task.arguments),
          environment: .custom(variables),
          workingDirectory: task.workingDirectory.map { FilePath($0) },
          platformOptions: options, input: .none, output: .sequence, error: .sequence
        ) { execution in
          try await ShellTaskRunner.supervise(
            execution.processIdentifier.value, execution.standardOutput,
            execution.standardError, limit: limit, timeout: timeout, onOutput: onOutput,
            onTimeout: onTimeout, feed: nil)
        }
        execution = ExecutionOutcome(run.closureResult, run.terminationStatus)
      }
      let (output, errorOutput) = (execution.output, execution.errorOutput)
      var result = TaskResult(
        status: .succeeded, output: output.bytes, errorOutput: errorOutput.bytes,
        truncated: output.truncated || errorOutput.truncated, duration: seconds())
      switch execution.terminationStatus {
      case .exited(let code):
        result.exitCode = code
        if code != 0 {
          result.status = .failed
          result.message = "\(task.command) exited with status \(code)"
        }
      case .signaled(let signal):
        result.exitCode = 128 + signal
        result.status = .failed
        result.message = "\(task.command) was killed by signal \(signal)"
      }
      if timedOut.load(ordering: .relaxed) {
        result.status = .timedOut
        result.message = "\(task.command) ran longer than its timeout of \(timeout!) and was killed"
      } else if Task.isCancelled && result.status != .succeeded {
        result.status = .cancelled
        result.message = "\(task.command) was cancelled and killed"
      }
      return result
    } catch {
      if Task.isCancelled {
        return TaskResult(status: .cancelled, message: "cancelled", duration: seconds())
      }
      return TaskResult(
        status: .failed, message: "cannot run \(task.command): \(error)", duration: seconds())
    }
  }

  /// Runs `body` (the whole capture) with the process group's priority set, killing the
  /// group when the calling task is cancelled or `timeout` passes (calling `onTimeout`
  /// first).
  private static func supervise(
    _ group: pid_t, _ output: SubprocessOutputSequence, _ errorOutput: SubprocessOutputSequence,
    limit: Int, timeout: Duration?, onOutput: OutputHandler?,
    onTimeout: @escaping @Sendable () -> Void, feed: (@Sendable () async -> Void)?
  ) async throws -> (CappedOutput, CappedOutput) {
    TaskPriority.apply(toGroup: group)
    return try await withTaskCancellationHandler {
      try await capture(
        output, errorOutput, feed: feed, limit: limit, timeout: timeout, onOutput: onOutput
      ) {
        onTimeout()
        kill(-group, SIGKILL)
      }
    } onCancel: {
      kill(-group, SIGKILL)
    }
  }

  /// Feeds standard input (`feed`, when there is some) and reads both outputs until they
  /// close; calls `onTimeout` once if `timeout` passes first.
  private static func capture(
    _ output: SubprocessOutputSequence, _ errorOutput: SubprocessOutputSequence,
    feed: (@Sendable () async -> Void)?, limit: Int, timeout: Duration?,
    onOutput: OutputHandler?, onTimeout: @escaping @Sendable () -> Void
  ) async throws -> (CappedOutput, CappedOutput) {
    enum Piece: Sendable {
      case output(CappedOutput)
      case errorOutput(CappedOutput)
      case other
    }
    return try await withThrowingTaskGroup(of: Piece.self) { group in
      if let feed {
        group.addTask {
          await feed()
          return .other
        }
      }
      group.addTask {
        .errorOutput(try await read(errorOutput, limit: limit) { onOutput?(.stderr, $0) })
      }
      if let timeout {
        group.addTask {
          try? await Task.sleep(for: timeout)
          if !Task.isCancelled { onTimeout() }
          return .other
        }
      }
      // Standard output is read here, in the calling task: one child task fewer.
      let out = try await read(output, limit: limit) { onOutput?(.stdout, $0) }
      var err: CappedOutput?
      while err == nil, let piece = try await group.next() {
        if case .errorOutput(let value) = piece { err = value }
      }
      group.cancelAll()  // the timeout, if it has not fired
      return (out, err ?? CappedOutput(limit: limit))
    }
  }

  private static func read(
    _ sequence: SubprocessOutputSequence, limit: Int, onOutput: ([UInt8]) -> Void
  ) async throws -> CappedOutput {
    var captured = CappedOutput(limit: limit)
    for try await buffer in sequence {
      buffer.withUnsafeBytes { bytes in
        captured.append(bytes)
        if !bytes.isEmpty { onOutput(Array(bytes)) }
      }
    }
    return captured
  }

  /// What `run` needs of an execution's result, whatever its input type.
  private struct ExecutionOutcome {
    var output: CappedOutput
    var errorOutput: CappedOutput
    var terminationStatus: TerminationStatus

    init(_ outputs: (CappedOutput, CappedOutput), _ terminationStatus: TerminationStatus) {
      (output, errorOutput) = outputs
      self.terminationStatus = terminationStatus
    }
  }

  /// Variables of the worker's own environment that tasks do not inherit (a task may
  /// still set them itself).
  public static let withheldVariables = ["SHOAL_TOKEN", "SHOAL_PARENT_PID"]

  /// Writing to a pipe whose reader has gone must be an error, not a fatal signal.
  private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}
