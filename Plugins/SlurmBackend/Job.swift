import ShoalCore
import SlurmSupport

/// One batch job of the cluster and the workers it runs, as the backend tracks it.
struct Job: Sendable {
  /// Where the job is in its life.
  enum Phase: Sendable, Equatable {
    /// To be submitted (again) at `retryAt`, after a fault; `reason` is the fault.
    case waiting(reason: String)
    /// `sbatch` is running.
    case submitting
    /// In the queue; the reason squeue gives (`Resources`, `Priority`, ...).
    case pending(reason: String)
    /// Running on `node`.
    case running(node: String)
    /// Cancelled by Shoal; waiting for it to leave the queue.
    case stopping
    /// Over for good: its workers exited (status 0: retired) or the job kept failing.
    case ended(WorkerStatus.State)
  }

  /// The job's number in the cluster (job and worker names carry it).
  var index: Int
  /// `--job-name`.
  var name: String
  /// Its workers' names.
  var workers: [String]
  /// The Slurm job id of the current submission.
  var id: String?
  var phase: Phase
  /// Resubmissions after faults.
  var restarts = 0
  /// When recent faults happened (the crash-loop window).
  var faults: [ContinuousClock.Instant] = []
  /// When a `.waiting` job is submitted again.
  var retryAt: ContinuousClock.Instant?
  /// When the current submission was seen running first.
  var runningSince: ContinuousClock.Instant?
  /// When it was submitted.
  var submittedAt: ContinuousClock.Instant?
  /// A replacement was submitted because this one nears its walltime.
  var replaced = false
  /// Workers stopped on request (their job goes on while others of it run).
  var stopped: Set<String> = []

  /// Counts toward the cluster's size: not replaced, stopping or over.
  var isActive: Bool {
    guard !replaced else { return false }
    switch phase {
    case .stopping, .ended: return false
    default: return true
    }
  }

  /// Has not started running yet (cheapest to cancel when scaling down).
  var isQueued: Bool {
    switch phase {
    case .waiting, .submitting, .pending: return true
    default: return false
    }
  }

  /// The status of each of its workers, as `workers()` reports them; a running
  /// worker's location says when it drains (its `--lifetime`, counted from when the
  /// job was seen running).
  func statuses(lifetime: Int, now: ContinuousClock.Instant = .now) -> [WorkerStatus] {
    let job = id.map { "job \($0)" } ?? "job \(name)"
    let (state, location): (WorkerStatus.State, String)
    switch phase {
    case .waiting(let reason): (state, location) = (.launching, "resubmitting (\(reason))")
    case .submitting: (state, location) = (.launching, "submitting")
    case .pending(let reason): (state, location) = (.launching, "\(job) pending (\(reason))")
    case .running(let node):
      var text = "\(job) on \(node)"
      if replaced {
        text += ", draining ahead of its walltime"
      } else if let since = runningSince {
        text += ", drains in " + Job.format(.seconds(lifetime) - (now - since))
      }
      (state, location) = (.running, text)
    case .stopping: (state, location) = (.stopping, job)
    case .ended(let final): (state, location) = (final, job)
    }
    return workers.map { name in
      WorkerStatus(
        name: name, state: stopped.contains(name) ? .exited(0) : state, location: location,
        restarts: restarts)
    }
  }

  /// `26m 30s`, `45s`, `0s`.
  static func format(_ duration: Duration) -> String {
    let seconds = max(0, Int(duration.components.seconds))
    let (hours, minutes, rest) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60)
    if hours > 0 { return "\(hours)h \(minutes)m" }
    return minutes > 0 ? "\(minutes)m \(rest)s" : "\(rest)s"
  }
}
