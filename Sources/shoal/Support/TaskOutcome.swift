import Shoal

/// How `shoal run` and `shoal map` describe a task's result.
enum TaskOutcome {
  /// Why the worker could not start the task's command at all (`command not found:
  /// X (searched PATH=...)`, `working directory not found: D`), or nil when the
  /// command ran (whatever its status).
  static func notStarted(_ result: TaskResult) -> String? {
    guard result.status == .failed, let message = result.message else { return nil }
    let prefixes = ["command not found:", "working directory not found:"]
    return prefixes.contains { message.hasPrefix($0) } ? message : nil
  }

  /// One short reason for a result that did not succeed: `exit status 1`,
  /// `killed by signal 9`, `timed out after 5 s`, `command not found: ...`, or the
  /// status and the cluster's message (`lost: worker lost: ...`).
  static func reason(_ result: TaskResult) -> String {
    if let notStarted = notStarted(result) { return notStarted }
    switch result.status {
    case .failed where result.exitCode != nil:
      let code = result.exitCode!
      if let message = result.message, message.contains("killed by signal") {
        return "killed by signal \(code - 128)"
      }
      return "exit status \(code)"
    default:
      return result.message.map { "\(result.status): \($0)" } ?? "\(result.status)"
    }
  }
}
