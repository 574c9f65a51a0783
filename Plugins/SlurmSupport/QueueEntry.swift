/// One line of `squeue -h -t all -o QueueEntry.format`: a job as Slurm reports it.
package struct QueueEntry: Sendable, Hashable {
  /// The job id.
  package var id: String
  /// `--job-name`.
  package var name: String
  /// `PENDING`, `RUNNING`, `COMPLETED`, `CANCELLED`, `FAILED`, `TIMEOUT`, `NODE_FAIL`, ...
  package var state: String
  /// Why it waits or ended: `Resources`, `Priority`, `NonZeroExitCode`, `None`, ...
  package var reason: String
  /// The node(s) it runs on; empty while pending.
  package var nodes: String
  /// The job's `--comment` (its `JobTag` when Shoal submitted it).
  package var comment: String

  package init(
    id: String, name: String, state: String, reason: String, nodes: String, comment: String
  ) {
    self.id = id
    self.name = name
    self.state = state
    self.reason = reason
    self.nodes = nodes
    self.comment = comment
  }

  /// The squeue output format these entries are parsed from (the comment last, so
  /// that nothing in it can shift a field).
  package static let format = "%i|%j|%T|%r|%N|%k"

  /// The entries of squeue's output; lines that are not entries (warnings) are skipped.
  package static func parse(_ output: String) -> [QueueEntry] {
    output.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: "|", maxSplits: 5, omittingEmptySubsequences: false)
      guard fields.count == 6, !fields[0].isEmpty,
        fields[0].allSatisfy({ $0.isNumber || $0 == "_" || $0 == "+" })
      else { return nil }
      return QueueEntry(
        id: String(fields[0]), name: String(fields[1]), state: String(fields[2]),
        reason: String(fields[3]), nodes: String(fields[4]),
        comment: String(fields[5]).trimmingSpaces())
    }
  }

  /// Waiting to start (`PENDING`, `CONFIGURING`, `REQUEUED`, `RESV_DEL_HOLD`, ...).
  package var isPending: Bool {
    ["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"]
      .contains(state)
  }

  /// Started and not over (`RUNNING`, `COMPLETING`, `SUSPENDED`, `STOPPED`, ...).
  package var isRunning: Bool {
    ["RUNNING", "COMPLETING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESIZING"]
      .contains(state)
  }

  /// Over, for good.
  package var isFinished: Bool { !isPending && !isRunning }

  /// `RUNNING on n1`, `PENDING (Resources)`, `CANCELLED`, `FAILED (NonZeroExitCode)`.
  package var summary: String {
    var text = state
    if !nodes.isEmpty && isRunning { text += " on \(nodes)" }
    if !reason.isEmpty && reason != "None" && !isRunning { text += " (\(reason))" }
    return text
  }

  /// The job id from `sbatch --parsable` output (`123` or `123;cluster`), ignoring
  /// warning lines before it; nil when there is none.
  package static func submittedID(_ output: String) -> String? {
    for line in output.split(separator: "\n").reversed() {
      let first: String = line.split(separator: ";").first.map { String($0).trimmingSpaces() } ?? ""
      if !first.isEmpty, first.allSatisfy({ $0.isNumber }) { return first }
      if line.hasPrefix("Submitted batch job ") {
        return String(line.dropFirst("Submitted batch job ".count)).trimmingSpaces()
      }
    }
    return nil
  }
}
