import ShoalCore
import ShoalPluginHost
import ShoalWire
import Synchronization

/// Runs calls of Swift tasks (`SwiftTaskCall`) through `ShoalCore.AnyTask`.
///
/// Task libraries are found by module name through a `PluginLoader`. The libraries
/// named at start (`--tasks`) are loaded by `init`, so a missing one is an error
/// when the worker starts; others are loaded on first use. The `Builtin` library
/// (`Builtin.noop`, `Builtin.sleep`, `Builtin.echo`) is always there.
///
/// A call is `.rejected` (it never ran) when its library or task is unknown, when the
/// caller's input or output type differs from the task's, or when its input does
/// not decode; a task that throws is `.failed` with the error's text.
public final class SwiftTaskRunner: Sendable {
  /// The loader that finds task libraries.
  public let loader: PluginLoader
  private let libraries: Mutex<[String: [String: TaskEntry]]>

  /// A runner that loads `preload` now and throws the loader's error for the first
  /// library that cannot be loaded or that exports no tasks.
  public init(loader: PluginLoader, preload: [String] = []) throws {
    self.loader = loader
    var libraries = [Builtin.library: Builtin.exports()]
    for module in preload where libraries[module] == nil {
      let plugin = try loader.load(module: module)
      guard !plugin.taskNames.isEmpty else {
        throw ShoalError(
          .notExported,
          "\(plugin.path) exports no Swift tasks"
            + (plugin.allNames.isEmpty
              ? "" : " (it exports \(plugin.allNames.joined(separator: ", ")))"),
          hint: "export tasks in its entry point with `$0.export(task: MyTask.self)`")
      }
      libraries[module] = plugin.tasks
    }
    self.libraries = Mutex(libraries)
  }

  /// The libraries loaded so far, sorted.
  public var loadedLibraries: [String] { libraries.withLock { $0.keys.sorted() } }

  /// What a call resolved to.
  public enum Resolution: Sendable {
    /// The task to run.
    case task(TaskEntry)
    /// The call cannot run: a `.rejected` result that says why.
    case rejected(TaskResult)
  }

  /// Finds the task `call` names and checks its types.
  public func resolve(_ call: SwiftTaskCall) -> Resolution {
    let exports: [String: TaskEntry]
    do {
      exports = try library(call.library)
    } catch {
      return .rejected(TaskResult(status: .rejected, message: error.message))
    }
    guard let task = exports[call.name] else {
      let names = exports.keys.sorted()
      return .rejected(
        TaskResult(
          status: .rejected,
          message: "no task `\(call.name)` in task library \(call.library); it exports "
            + (names.isEmpty ? "no tasks" : names.joined(separator: ", "))
            + Suggestion.didYouMean(call.name, in: names)))
    }
    guard task.inputType == call.inputType, task.outputType == call.outputType else {
      return .rejected(
        TaskResult(
          status: .rejected,
          message: "type mismatch calling \(call.library).\(call.name): the caller sends "
            + "\(call.inputType) -> \(call.outputType), the worker's task is "
            + "\(task.inputType) -> \(task.outputType); rebuild the client and the task library "
            + "from the same source"))
    }
    return .task(task)
  }

  /// Runs `call`; cancelling the calling task cancels the Swift task (cooperatively).
  public func run(_ call: SwiftTaskCall) async -> TaskResult {
    let task: TaskEntry
    switch resolve(call) {
    case .task(let found): task = found
    case .rejected(let rejection): return rejection
    }
    let clock = ContinuousClock()
    let start = clock.now
    func seconds() -> Double {
      let elapsed = start.duration(to: clock.now).components
      return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
    do {
      let output = try await task.run(call.input)
      return TaskResult(status: .succeeded, output: output, duration: seconds())
    } catch let error as ShoalError
      where error.code == .typeMismatch
      && error.message.hasPrefix("task `\(task.name)`: input does not decode")
    {
      return TaskResult(status: .rejected, message: error.message, duration: seconds())
    } catch is CancellationError where Task.isCancelled {
      return TaskResult(
        status: .cancelled, message: "\(call.library).\(call.name) was cancelled",
        duration: seconds())
    } catch {
      return TaskResult(
        status: .failed, message: "\(call.library).\(call.name) threw: \(error)",
        duration: seconds())
    }
  }

  private struct Rejection: Error { var message: String }

  /// The exports of task library `module`, loading it on first use.
  private func library(_ module: String) throws(Rejection) -> [String: TaskEntry] {
    // Clients that link ShoalWorker name the built-ins by their module.
    let name = module == "ShoalWorker" ? Builtin.library : module
    if let found = libraries.withLock({ $0[name] }) { return found }
    do {
      let plugin = try loader.load(module: name)
      libraries.withLock { $0[name] = plugin.tasks }
      return plugin.tasks
    } catch {
      throw Rejection(
        message: "task library \(module) is not loaded on this worker (loaded: "
          + loadedLibraries.joined(separator: ", ") + "): \(error)")
    }
  }
}
