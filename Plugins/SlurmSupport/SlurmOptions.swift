import SSHSupport
import ShoalCore

/// `cluster_kwargs` of `SlurmBackend.SlurmCluster`, named as dask-jobqueue's
/// `SLURMCluster` names them (see docs/slurm.md):
///
///     cluster_kwargs:
///       queue: debug                 # --partition
///       account: proj42              # --account
///       cores: 4                     # --cpus-per-task, per job
///       memory: 8G                   # --mem, per job
///       processes: 2                 # workers per job; the cores are split among them
///       walltime: "01:00:00"         # --time
///       job_extra_directives: ["--qos=low"]
///       job_directives_skip: ["--mem"]
///       job_script_prologue: ["module load swift"]
///       log_directory: /shared/logs
///       worker_extra_args: ["--drain-grace", "20"]
///       n_workers: 2
///
/// Decoding checks types and unknown keys; `init(from:)` checks every value, with
/// the key's position in clusters.yaml.
package struct SlurmOptions: Decodable, Sendable {
  /// How workers start.
  package enum Mode: String, Sendable, Hashable {
    /// One batch job per group of `processes` workers (`sbatch`).
    case jobs
    /// Inside the allocation `shoal` runs in: one `srun` step per worker.
    case allocation
  }

  package var queue: String?
  package var account: String?
  package var cores: Int
  package var memory: SlurmMemory?
  package var processes: Int
  /// The walltime in seconds.
  package var walltime: Int
  package var jobExtraDirectives: [String]
  package var jobDirectivesSkip: [String]
  package var jobScriptPrologue: [String]
  package var logDirectory: String?
  package var workerExtraArgs: [String]
  package var nWorkers: Int?
  package var remoteShoal: String?
  package var scheduler: SchedulerSettings
  package var submitCommand: [String]
  package var cancelCommand: [String]
  package var statusCommand: [String]
  package var mode: Mode
  package var taskLibraries: [String]
  /// Seconds before the walltime at which a worker starts draining; nil: the default.
  package var walltimeMarginOption: Double?
  /// Seconds a worker keeps trying to reach an absent scheduler before it exits.
  package var giveUpAfter: Double

  enum CodingKeys: String, CodingKey {
    case queue, account, cores, memory, processes, walltime, mode
    case jobExtraDirectives = "job_extra_directives"
    case jobDirectivesSkip = "job_directives_skip"
    case jobScriptPrologue = "job_script_prologue"
    case logDirectory = "log_directory"
    case workerExtraArgs = "worker_extra_args"
    case nWorkers = "n_workers"
    case remoteShoal = "remote_shoal"
    case schedulerOptions = "scheduler_options"
    case submitCommand = "submit_command"
    case cancelCommand = "cancel_command"
    case statusCommand = "status_command"
    case taskLibraries = "task_libraries"
    case walltimeMargin = "walltime_margin"
    case giveUpAfter = "give_up_after"
  }

  struct SchedulerOptions: Decodable {
    var host: String?
    var port: Int?
    var address: String?
  }

  package init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let root = decoder.kwargsNode
    func fail(_ key: CodingKeys, _ message: String, hint: String? = nil) -> any Error {
      if let node = root?[key.rawValue] { return node.error(message, hint: hint) }
      return DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: message)
    }
    func text(_ key: CodingKeys) throws -> String? {
      guard let value = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
      guard !value.trimmingSpaces().isEmpty else { throw fail(key, "must not be empty") }
      return value
    }
    func lines(_ key: CodingKeys) throws -> [String] {
      let values = try c.decodeIfPresent([String].self, forKey: key) ?? []
      if let bad = values.firstIndex(where: { $0.contains("\n") }) {
        throw fail(key, "entry \(bad) spans several lines; give one line per entry")
      }
      return values
    }
    func command(_ key: CodingKeys, _ fallback: String) throws -> [String] {
      let words = (try text(key) ?? fallback).split(separator: " ").map(String.init)
      return words
    }

    queue = try text(.queue)
    account = try text(.account)
    cores = try c.decodeIfPresent(Int.self, forKey: .cores) ?? 1
    if cores < 1 { throw fail(.cores, "cores must be 1 or more, found \(cores)") }
    processes = try c.decodeIfPresent(Int.self, forKey: .processes) ?? 1
    if processes < 1 { throw fail(.processes, "processes must be 1 or more, found \(processes)") }
    if processes > cores {
      throw fail(
        .processes,
        "processes (\(processes)) is more than cores (\(cores)): each worker needs a core",
        hint: "raise `cores` or lower `processes`")
    }
    if let text = try text(.memory) {
      guard let parsed = SlurmMemory(parsing: text) else {
        throw fail(.memory, "expected a memory size such as 4G, 512M or 1.5GiB, found \"\(text)\"")
      }
      memory = parsed
    }
    let walltimeText = try text(.walltime) ?? "00:30:00"
    guard let seconds = SlurmTime.seconds(walltimeText) else {
      throw fail(
        .walltime,
        "expected a Slurm time such as \"01:30:00\", \"45:00\" or \"1-12:00:00\", found \"\(walltimeText)\"",
        hint: "quote it in YAML: walltime: \"00:30:00\"")
    }
    walltime = seconds
    jobExtraDirectives = try lines(.jobExtraDirectives)
    jobDirectivesSkip = try lines(.jobDirectivesSkip)
    jobScriptPrologue = try lines(.jobScriptPrologue)
    logDirectory = try text(.logDirectory)
    workerExtraArgs = try c.decodeIfPresent([String].self, forKey: .workerExtraArgs) ?? []
    nWorkers = try c.decodeIfPresent(Int.self, forKey: .nWorkers)
    if let nWorkers, nWorkers < 0 {
      throw fail(.nWorkers, "n_workers must be 0 or more, found \(nWorkers)")
    }
    remoteShoal = try text(.remoteShoal)
    submitCommand = try command(.submitCommand, "sbatch")
    cancelCommand = try command(.cancelCommand, "scancel")
    statusCommand = try command(.statusCommand, "squeue")
    taskLibraries = try c.decodeIfPresent([String].self, forKey: .taskLibraries) ?? []
    let modeText = try text(.mode) ?? "jobs"
    guard let mode = Mode(rawValue: modeText) else {
      throw fail(
        .mode,
        "unknown mode \"\(modeText)\""
          + Suggestion.didYouMean(modeText, in: ["jobs", "allocation"]),
        hint:
          "`jobs` submits one batch job per worker group; `allocation` runs workers with srun inside the current job"
      )
    }
    self.mode = mode
    walltimeMarginOption = try c.decodeIfPresent(DurationValue.self, forKey: .walltimeMargin)?
      .duration.seconds
    if let margin = walltimeMarginOption, margin >= Double(walltime) {
      throw fail(
        .walltimeMargin,
        "walltime_margin (\(Int(margin)) s) must be shorter than the walltime (\(walltime) s)")
    }
    giveUpAfter = try c.decodeIfPresent(Double.self, forKey: .giveUpAfter) ?? 60
    if !(giveUpAfter > 0) {
      throw fail(.giveUpAfter, "give_up_after must be more than 0 seconds, found \(giveUpAfter)")
    }
    let schedulerNode = root?["scheduler_options"]
    let scheduler = try c.decodeIfPresent(SchedulerOptions.self, forKey: .schedulerOptions)
    self.scheduler = try SlurmOptions.settings(scheduler, node: schedulerNode)
  }

  /// Slots of each worker: the job's cores split among its processes.
  package var threadsPerWorker: Int { max(1, cores / processes) }

  /// Seconds before the walltime at which a worker drains: `walltime_margin`, or a
  /// tenth of the walltime between 10 s and 5 min.
  package var walltimeMargin: Int {
    if let option = walltimeMarginOption { return Int(option.rounded(.up)) }
    return min(max(walltime / 10, 10), 300, max(1, walltime / 2))
  }

  /// The worker's lifetime in its job: the walltime minus the margin.
  package var workerLifetime: Int { max(1, walltime - walltimeMargin) }

  /// How long a draining worker's running tasks may take before they are handed back.
  package var drainGrace: Int { max(1, walltimeMargin / 2) }

  static func settings(_ options: SchedulerOptions?, node: Kwargs?) throws -> SchedulerSettings {
    var settings = SchedulerSettings()
    guard let options else { return settings }
    let fallback = node ?? Kwargs.empty()
    if let host = options.host {
      guard !host.isEmpty else { throw (node?["host"] ?? fallback).error("host must not be empty") }
      settings.listenHost = host
    }
    if let port = options.port {
      guard (0...65535).contains(port) else {
        throw (node?["port"] ?? fallback).error("port must be between 0 and 65535, found \(port)")
      }
      settings.listenPort = port
    }
    if let address = options.address {
      guard let (host, port) = SchedulerSettings.parse(address) else {
        throw (node?["address"] ?? fallback).error(
          "`\(address)` is not a scheduler address",
          hint: "write `tcp://HOST:PORT`, `HOST:PORT` or `HOST` (then the scheduler's own port)")
      }
      settings.advertisedHost = host
      settings.advertisedPort = port
    }
    return settings
  }
}
