import ShoalWire

/// Runs any `TaskSpec`: shell tasks through `ShellTaskRunner`, Swift tasks through
/// `SwiftTaskRunner`, each bounded by the spec's timeout, and stamps the result
/// with the worker's name.
public struct TaskRunner: Sendable {
  /// Runs shell tasks.
  public var shell: ShellTaskRunner
  /// Runs Swift tasks.
  public var swift: SwiftTaskRunner
  /// The name put in every result.
  public var workerName: String

  /// A runner.
  public init(shell: ShellTaskRunner, swift: SwiftTaskRunner, workerName: String) {
    self.shell = shell
    self.swift = swift
    self.workerName = workerName
  }

  /// Runs `spec` to its result; never throws (every failure is a result). A shell
  /// task's output also goes to `onOutput` as it is produced, when given.
  public func run(_ spec: TaskSpec, onOutput: ShellTaskRunner.OutputHandler? = nil) async
    -> TaskResult
  {
    var result: TaskResult
    switch spec.kind {
    case .shell(let task):
      result = await shell.run(task, timeout: spec.timeout, onOutput: onOutput)
    case .swift(let call):
      if let timeout = spec.timeout {
        result = await runSwift(call, timeout: timeout)
      } else {
        result = await swift.run(call)
      }
    }
    result.worker = workerName
    return result
  }

  /// Runs a Swift task, cancelling it when `timeout` passes first. Cancellation is
  /// cooperative: a task that never checks for it runs to its end.
  private func runSwift(_ call: SwiftTaskCall, timeout: Duration) async -> TaskResult {
    let swift = self.swift
    return await withTaskGroup(of: TaskResult?.self) { group in
      group.addTask { await swift.run(call) }
      group.addTask {
        try? await Task.sleep(for: timeout)
        return nil
      }
      let first = await group.next()!
      group.cancelAll()
      if let result = first { return result }
      var result = await group.next()! ?? TaskResult(status: .cancelled)
      if result.status == .cancelled || result.status == .succeeded || result.status == .failed {
        result.status = .timedOut
        result.output = []
        result.message =
          "\(call.library).\(call.name) ran longer than its timeout of \(timeout) and was cancelled"
      }
      return result
    }
  }
}
