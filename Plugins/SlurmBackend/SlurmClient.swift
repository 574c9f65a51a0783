import ShoalCore
import SlurmSupport

/// `sbatch`, `squeue` and `scancel` (or the site's wrappers named by
/// `submit_command`, `status_command`, `cancel_command`), each a short command with
/// a time limit. `$SLURM_CONF` and the rest of the user's environment apply.
struct SlurmClient: Sendable {
  var options: SlurmOptions
  var runner: ShortRun

  /// Submits `script`; returns the job id. Throws with sbatch's own message.
  func submit(_ script: JobScript, environment: [String: String]) async throws -> String {
    let command = options.submitCommand + ["--parsable"]
    let outcome = try await runner.run(
      command, environment: environment, stdin: Array(script.text.utf8), timeout: .seconds(60))
    guard outcome.status == 0, let id = QueueEntry.submittedID(outcome.output) else {
      throw ShoalError(
        .backendFailed,
        "`\(command.joined(separator: " "))` of job \(script.jobName) failed (status \(outcome.status)): \(outcome.lastLines())",
        hint:
          "check the job with `shoal job-script CLUSTER`; is Slurm reachable (`sinfo`, $SLURM_CONF)?"
      )
    }
    return id
  }

  /// The jobs named `names`, in every state squeue still remembers.
  func entries(named names: [String]) async throws -> [QueueEntry] {
    guard !names.isEmpty else { return [] }
    return try await query(["-t", "all", "--name=" + names.joined(separator: ",")])
  }

  /// Every pending or running job squeue lists for this user.
  func activeEntries() async throws -> [QueueEntry] { try await query([]) }

  private func query(_ filter: [String]) async throws -> [QueueEntry] {
    let command = options.statusCommand + ["-h", "-o", QueueEntry.format] + filter
    let outcome = try await runner.run(command, timeout: .seconds(30))
    guard outcome.status == 0 else {
      throw ShoalError(
        .backendFailed,
        "`\(options.statusCommand.joined(separator: " "))` failed (status \(outcome.status)): \(outcome.lastLines())",
        hint: "is Slurm reachable from here (`sinfo`, $SLURM_CONF)?")
    }
    return QueueEntry.parse(outcome.output)
  }

  /// Cancels the jobs; returns scancel's complaint when it failed.
  @discardableResult
  func cancel(_ ids: [String]) async -> String? {
    guard !ids.isEmpty else { return nil }
    let command = options.cancelCommand + ids
    guard let outcome = try? await runner.run(command, timeout: .seconds(30)) else {
      return "cannot run `\(options.cancelCommand.joined(separator: " "))`"
    }
    return outcome.status == 0 ? nil : outcome.lastLines()
  }
}
