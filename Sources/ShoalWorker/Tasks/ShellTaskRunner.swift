import ShoalCore
import ShoalWire

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
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
  /// `environment` as the tasks get it (less `withheldVariables`).
  private var inherited: [String: String] {
    didSet { block = EnvironmentBlock(inherited) }
  }
  /// `inherited` as C strings, made once and shared by every task that adds no
  /// variables of its own.
  private var block: EnvironmentBlock
  /// Programs found on PATH lately (shared by copies of this runner).
  private let lookup = CommandLookup()

  /// A runner with the standard output cap, looking programs up in `environment`.
  public init(
    outputLimit: Int = TaskResult.outputLimit,
    environment: [String: String] = PluginSearchPath.environment()
  ) {
    self.outputLimit = outputLimit
    self.environment = environment
    let inherited = ShellTaskRunner.inheritable(environment)
    self.inherited = inherited
    self.block = EnvironmentBlock(inherited)
  }

  /// `environment` without `withheldVariables`.
  private static func inheritable(_ environment: [String: String]) -> [String: String] {
    environment.filter { !withheldVariables.contains($0.key) }
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
    let started = clock.now
    func seconds() -> Double {
      let elapsed = started.duration(to: clock.now).components
      return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
    let searchPath = task.environment["PATH"] ?? environment["PATH"]
    func notFound() -> TaskResult {
      let message =
        CommandLookup.hasSlash(task.command)
        ? "command not found: \(task.command) (no executable file at that path)"
        : "command not found: \(task.command) (searched PATH=\(searchPath ?? ""))"
      return TaskResult(status: .failed, exitCode: 127, message: message, duration: seconds())
    }
    guard let found = lookup.resolve(task.command, path: searchPath) else { return notFound() }
    if let folder = task.workingDirectory, !CommandLookup.isDirectory(folder) {
      return TaskResult(
        status: .failed, message: "working directory not found: \(folder)", duration: seconds())
    }
    if Task.isCancelled {
      return TaskResult(status: .cancelled, message: "cancelled before it started")
    }

    var variables = block
    if !task.environment.isEmpty {
      variables = EnvironmentBlock(inherited.merging(task.environment) { $1 })
    }
    let input = task.stdin ?? []
    func spawn(_ executable: String) throws -> PipedChild {
      // The program inherits this thread's nice value: make it the worker's first.
      TaskPriority.alignCurrentThread()
      return try PipedChild.spawn(
        executable, task.arguments, environment: variables,
        workingDirectory: task.workingDirectory, withInput: !input.isEmpty)
    }
    let child: PipedChild
    do {
      do {
        child = try spawn(found.executable)
      } catch where found.remembered {
        // The program remembered from an earlier lookup may be gone: look again, once.
        lookup.forget(task.command, path: searchPath)
        guard let again = lookup.resolve(task.command, path: searchPath) else { return notFound() }
        child = try spawn(again.executable)
      }
    } catch {
      lookup.forget(task.command, path: searchPath)
      return TaskResult(
        status: .failed, message: "cannot run \(task.command): \(error)", duration: seconds())
    }
    let running = RunningChild(child, input: input, limit: outputLimit, onOutput: onOutput)
    var outcome = await withTaskCancellationHandler {
      // Only a timeout needs a second task; most commands have none.
      guard let timeout else { return await ChildWatcher.shared.run(running) }
      return await withTaskGroup(of: Void.self) { group in
        group.addTask {
          try? await Task.sleep(for: timeout)
          if !Task.isCancelled { running.timeOut() }
        }
        let outcome = await ChildWatcher.shared.run(running)
        group.cancelAll()  // the timeout, if it has not fired
        return outcome
      }
    } onCancel: {
      running.killGroup()
    }
    if !outcome.reaped {
      outcome.status = await ChildWait.reap(child.pid)
      running.markReaped()
    }

    var result = TaskResult(
      status: .succeeded, output: outcome.output.bytes, errorOutput: outcome.errorOutput.bytes,
      truncated: outcome.output.truncated || outcome.errorOutput.truncated, duration: seconds())
    if let status = outcome.status {
      let signal = status & 0x7f
      if signal == 0 {
        let code = (status >> 8) & 0xff
        result.exitCode = code
        if code != 0 {
          result.status = .failed
          result.message = "\(task.command) exited with status \(code)"
        }
      } else {
        result.exitCode = 128 + signal
        result.status = .failed
        result.message = "\(task.command) was killed by signal \(signal)"
      }
    } else {
      result.status = .failed
      result.message =
        "lost track of \(task.command) (pid \(child.pid)): another part of the worker reaped it"
    }
    if running.timedOut {
      result.status = .timedOut
      result.message = "\(task.command) ran longer than its timeout of \(timeout!) and was killed"
    } else if Task.isCancelled && result.status != .succeeded {
      result.status = .cancelled
      result.message = "\(task.command) was cancelled and killed"
    }
    return result
  }

  /// Variables of the worker's own environment that tasks do not inherit (a task may
  /// still set them itself).
  public static let withheldVariables = ["SHOAL_TOKEN", "SHOAL_PARENT_PID"]

  /// Writing to a pipe whose reader has gone must be an error, not a fatal signal.
  private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}
