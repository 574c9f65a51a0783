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
  /// The worker's environment: its PATH finds programs, and tasks inherit it.
  public var environment: [String: String]

  /// A runner with the standard output cap, looking programs up in `environment`.
  public init(
    outputLimit: Int = TaskResult.outputLimit,
    environment: [String: String] = PluginSearchPath.environment()
  ) {
    self.outputLimit = outputLimit
    self.environment = environment
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
    var additions: [Environment.Key: String?] = [:]
    // The worker's credentials are not the task's business.
    for key in ShellTaskRunner.withheldVariables {
      if let key = Environment.Key(rawValue: key) { additions.updateValue(nil, forKey: key) }
    }
    for (key, value) in task.environment {
      if let key = Environment.Key(rawValue: key) { additions[key] = value }
    }
    let limit = outputLimit
    let stdin = task.stdin ?? []
    let timedOut = Atomic<Bool>(false)
    do {
      let execution = try await Subprocess.run(
        .path(FilePath(executable)), arguments: Arguments(task.arguments),
        environment: .inherit.updating(additions),
        workingDirectory: task.workingDirectory.map { FilePath($0) },
        platformOptions: options, input: .inputWriter, output: .sequence, error: .sequence
      ) { execution in
        let group = execution.processIdentifier.value
        TaskPriority.apply(toGroup: group)
        return try await withTaskCancellationHandler {
          try await ShellTaskRunner.capture(
            execution, stdin: stdin, limit: limit, timeout: timeout, onOutput: onOutput
          ) {
            timedOut.store(true, ordering: .relaxed)
            kill(-group, SIGKILL)
          }
        } onCancel: {
          kill(-group, SIGKILL)
        }
      }
      let (output, errorOutput) = execution.closureResult
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

  /// Feeds standard input and reads both outputs until they close; calls `onTimeout`
  /// once if `timeout` passes first.
  private static func capture(
    _ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>, stdin: [UInt8],
    limit: Int, timeout: Duration?, onOutput: OutputHandler?,
    onTimeout: @escaping @Sendable () -> Void
  ) async throws -> (CappedOutput, CappedOutput) {
    enum Piece: Sendable {
      case output(CappedOutput)
      case errorOutput(CappedOutput)
      case other
    }
    return try await withThrowingTaskGroup(of: Piece.self) { group in
      let writer = execution.standardInputWriter
      group.addTask {
        // The program may exit without reading: a broken pipe is not an error here.
        if !stdin.isEmpty { _ = try? await writer.write(stdin) }
        try? await writer.finish()
        return .other
      }
      let output = execution.standardOutput
      let errorOutput = execution.standardError
      group.addTask {
        .output(try await read(output, limit: limit) { onOutput?(.stdout, $0) })
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
      var out: CappedOutput?
      var err: CappedOutput?
      while out == nil || err == nil, let piece = try await group.next() {
        switch piece {
        case .output(let value): out = value
        case .errorOutput(let value): err = value
        case .other: break
        }
      }
      group.cancelAll()  // the timeout, if it has not fired
      return (out ?? CappedOutput(limit: limit), err ?? CappedOutput(limit: limit))
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

  /// Variables of the worker's own environment that tasks do not inherit (a task may
  /// still set them itself).
  public static let withheldVariables = ["SHOAL_TOKEN", "SHOAL_PARENT_PID"]

  /// Writing to a pipe whose reader has gone must be an error, not a fatal signal.
  private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}
