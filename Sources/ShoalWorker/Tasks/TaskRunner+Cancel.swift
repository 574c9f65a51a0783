import ShoalWire

extension TaskRunner {
  /// Runs `spec`; `cancellation.cancel()` cancels it (the result is then `.cancelled`,
  /// or whatever the task managed to finish with).
  func run(
    _ spec: TaskSpec, cancellation: TaskCancellation,
    onOutput: ShellTaskRunner.OutputHandler? = nil
  ) async -> TaskResult {
    await cancellation.run { await self.run(spec, onOutput: onOutput) }
  }
}
