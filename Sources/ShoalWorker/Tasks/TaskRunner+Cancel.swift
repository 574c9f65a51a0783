import ShoalWire

extension TaskRunner {
  /// Runs `spec` on `executor` (the shared pool when nil); `cancellation.cancel()`
  /// cancels it (the result is then `.cancelled`, or whatever the task managed to
  /// finish with).
  func run(
    _ spec: TaskSpec, cancellation: TaskCancellation, on executor: (any TaskExecutor)? = nil,
    onOutput: ShellTaskRunner.OutputHandler? = nil
  ) async -> TaskResult {
    await cancellation.run(on: executor) { await self.run(spec, onOutput: onOutput) }
  }
}
