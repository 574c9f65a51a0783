import ShoalCore
import SlurmSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension SlurmCluster {
  /// Adds a job to submit (phase `.submitting`); returns its index.
  func makeJob(_ state: inout State, runtime: Runtime) -> Int {
    let index = state.nextIndex
    state.nextIndex += 1
    let name = "\(runtime.context.clusterName)-\(runtime.suffix)-\(index)"
    let workers =
      options.processes == 1 ? [name] : (0..<options.processes).map { "\(name)-\($0)" }
    state.jobs.append(Job(index: index, name: name, workers: workers, phase: .submitting))
    return index
  }

  /// Marks a job as cancelled by Shoal; returns its Slurm id to `scancel`, if any.
  func markStopping(_ state: inout State, index: Int) -> String? {
    guard let position = state.jobs.firstIndex(where: { $0.index == index }) else { return nil }
    switch state.jobs[position].phase {
    case .waiting:
      state.jobs.remove(at: position)
      return nil
    case .ended:
      return nil
    default:
      state.jobs[position].phase = .stopping
      return state.jobs[position].id
    }
  }

  /// The batch script of a job.
  func script(name: String, workers: [String], runtime: Runtime) -> JobScript {
    JobScript(
      options: options, jobName: name, workers: workers, tag: runtime.tag.comment,
      executable: runtime.executable, schedulerAddress: runtime.workerAddress,
      logDirectory: runtime.logDirectory, tokenFile: runtime.secretFile)
  }

  /// Submits job `index` (in phase `.submitting`). A job cancelled meanwhile is
  /// cancelled in Slurm at once.
  func submit(_ index: Int, runtime: Runtime) async throws {
    guard
      let (name, workers) = state.withLock({ state in
        state.jobs.first { $0.index == index }.map { ($0.name, $0.workers) }
      })
    else { return }
    let script = script(name: name, workers: workers, runtime: runtime)
    linkLogs(script, runtime: runtime)
    // The token is in the secret file the script names, not in the job's environment.
    let environment = ["SHOAL_CLUSTER": runtime.context.clusterName]
    let id = try await runtime.client.submit(script, environment: environment)
    let cancel: Bool = state.withLock { state in
      guard let position = state.jobs.firstIndex(where: { $0.index == index }) else { return true }
      state.jobs[position].id = id
      state.jobs[position].submittedAt = .now
      if state.jobs[position].phase == .stopping || state.closed { return true }
      state.jobs[position].phase = .pending(reason: "submitted")
      return false
    }
    if cancel { await runtime.client.cancel([id]) }
    runtime.context.log.debug(
      "submitted job \(id) (\(name)): workers \(workers.joined(separator: ", "))")
  }

  /// With a `log_directory` of its own, `STATE/logs/WORKER.log` links to the worker's
  /// log there, so that `shoal logs` finds it.
  func linkLogs(_ script: JobScript, runtime: Runtime) {
    let stateLogs = runtime.context.stateDirectory + "/logs"
    guard runtime.logDirectory != stateLogs else { return }
    for worker in script.workers {
      let link = stateLogs + "/\(worker).log"
      unlink(link)
      symlink(script.logFile(of: worker), link)
    }
  }

  /// One pass: resubmits due jobs, reads the queue, follows every job's state,
  /// replaces faulty and expiring ones.
  func tick(_ runtime: Runtime) async {
    let now = ContinuousClock.now
    let due: [Int] = state.withLock { state in
      var due: [Int] = []
      for position in state.jobs.indices {
        guard case .waiting = state.jobs[position].phase,
          let retryAt = state.jobs[position].retryAt, retryAt <= now
        else { continue }
        state.jobs[position].phase = .submitting
        state.jobs[position].retryAt = nil
        due.append(state.jobs[position].index)
      }
      return due
    }
    for index in due {
      do {
        try await submit(index, runtime: runtime)
      } catch {
        fault(index, reason: "\(error)", runtime: runtime)
      }
    }
    let names = state.withLock { state in
      Array(Set(state.jobs.filter { $0.id != nil && !$0.isFinal }.map(\.name)))
    }
    let entries: [QueueEntry]
    do {
      entries = try await runtime.client.entries(named: names)
      if state.withLock({ $0.queryFailing }) {
        state.withLock { $0.queryFailing = false }
        runtime.context.log.info("squeue answers again")
      }
    } catch {
      let first = state.withLock { state in
        defer { state.queryFailing = true }
        return !state.queryFailing
      }
      if first { runtime.context.log.warning("cannot read the queue: \(error)") }
      return
    }
    let byID = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    var replacements = 0
    var faults: [(Int, String)] = []
    var messages: [String] = []
    state.withLock { state in
      var kept: [Job] = []
      for var job in state.jobs {
        var keep = true
        defer { if keep { kept.append(job) } }
        guard let id = job.id, !job.isFinal, job.phase != .submitting else { continue }
        guard let entry = byID[id] else {
          if let submitted = job.submittedAt, now - submitted > .seconds(10) {
            if job.phase == .stopping || job.replaced {
              keep = false
            } else {
              faults.append((job.index, "job \(id) is no longer in the queue"))
            }
          }
          continue
        }
        if entry.isPending {
          if job.phase != .stopping { job.phase = .pending(reason: entry.reason) }
          continue
        }
        if entry.isRunning {
          if job.phase != .stopping { job.phase = .running(node: entry.nodes) }
          if job.runningSince == nil { job.runningSince = now }
          if job.isActive, let since = job.runningSince,
            now - since >= .seconds(max(0, options.workerLifetime - options.walltimeMargin))
          {
            job.replaced = true
            replacements += 1
            messages.append(
              "job \(id) (\(job.workers.joined(separator: ", "))) drains in \(options.walltimeMargin) s,"
                + " ahead of its walltime; submitting its replacement now")
          }
          continue
        }
        // The job is over.
        if job.phase == .stopping || job.replaced {
          keep = false
          continue
        }
        let expired =
          entry.state == "TIMEOUT"
          || (entry.state == "COMPLETED"
            && job.runningSince.map { now - $0 >= .seconds(options.workerLifetime - 1) } ?? false)
        if expired {
          keep = false
          replacements += 1
          messages.append(
            "job \(id) reached its walltime (\(entry.summary)) before a replacement was running; replacing it"
          )
        } else if entry.state == "COMPLETED" {
          job.phase = .ended(.exited(0))
        } else {
          faults.append((job.index, "job \(id) \(entry.summary)"))
        }
      }
      state.jobs = kept
    }
    for message in messages { runtime.context.log.info(message) }
    for (index, reason) in faults { fault(index, reason: reason, runtime: runtime) }
    if replacements > 0 {
      let new = state.withLock { state in
        (0..<replacements).map { _ in makeJob(&state, runtime: runtime) }
      }
      for index in new {
        do {
          try await submit(index, runtime: runtime)
        } catch {
          fault(index, reason: "\(error)", runtime: runtime)
        }
      }
    }
  }

  /// A job ended without being asked to, or could not be submitted: logs it with the
  /// end of its output, and resubmits it with backoff, or gives it up after
  /// `faultLimit` faults within `faultWindow`.
  func fault(_ index: Int, reason: String, runtime: Runtime) {
    let now = ContinuousClock.now
    let message: (EventLog.Level, String)? = state.withLock { state in
      guard let position = state.jobs.firstIndex(where: { $0.index == index }) else { return nil }
      var job = state.jobs[position]
      defer { state.jobs[position] = job }
      let tail = outputTail(of: job, runtime: runtime)
      let described = reason + (tail.isEmpty ? "" : "; its output ends with: \(tail)")
      job.faults = job.faults.filter { now - $0 < SlurmCluster.faultWindow } + [now]
      job.id = nil
      job.runningSince = nil
      job.submittedAt = nil
      if job.faults.count > SlurmCluster.faultLimit {
        job.phase = .ended(
          .failed(
            "\(described) (\(job.faults.count) faults within \(SlurmCluster.faultWindow); not resubmitting)"
          ))
        return (
          .error,
          "workers \(job.workers.joined(separator: ", ")): \(described); given up after \(job.faults.count) faults"
        )
      }
      let delay = Backoff(initial: .seconds(1), maximum: .seconds(60))
        .delay(afterFailures: job.faults.count)
      job.phase = .waiting(reason: reason)
      job.retryAt = now + delay
      job.restarts += 1
      return (
        .warning,
        "workers \(job.workers.joined(separator: ", ")): \(described); resubmitting in \(delay)"
      )
    }
    if let (level, text) = message {
      level == .error ? runtime.context.log.error(text) : runtime.context.log.warning(text)
    }
  }

  /// The last lines of a job's output file (where its stderr goes too).
  func outputTail(of job: Job, runtime: Runtime) -> String {
    let file = script(name: job.name, workers: job.workers, runtime: runtime).outputFile
    let lines = ShortCommand.fileContents(file, lastBytes: 4096).split(separator: "\n").map(
      String.init
    )
    .filter { !$0.trimmingSpaces().isEmpty }
    return lines.suffix(3).joined(separator: " | ")
  }

  /// Cancels every job and waits (up to a minute) until they left the queue.
  func shutdown(_ runtime: Runtime) async {
    let jobs: [(String, String)] = state.withLock { state in
      state.closed = true
      return state.jobs.compactMap { job in job.isFinal ? nil : job.id.map { ($0, job.name) } }
    }
    guard !jobs.isEmpty else { return }
    if let complaint = await runtime.client.cancel(jobs.map(\.0)) {
      runtime.context.log.warning("scancel: \(complaint)")
    }
    let deadline = ContinuousClock.now + .seconds(60)
    let ids = Set(jobs.map(\.0))
    while ContinuousClock.now < deadline {
      let entries = (try? await runtime.client.entries(named: Array(Set(jobs.map(\.1))))) ?? []
      if !entries.contains(where: { ids.contains($0.id) && !$0.isFinished }) { break }
      await ChildWait.pause(.milliseconds(200))
    }
    state.withLock { $0.jobs.removeAll() }
  }

  /// Cancels the pending and running jobs of cluster `clusterName` whose owning
  /// `shoal` is gone (killed). Returns `job ID (NAME)` for each.
  @discardableResult
  public func removeLeftovers(clusterName: String, log: EventLog) async throws -> [String] {
    let client = SlurmClient(options: options)
    let orphans = try await client.activeEntries().filter { entry in
      guard let tag = JobTag(comment: entry.comment) else { return false }
      return tag.cluster == clusterName && !OwnerStamp.isAlive(tag.owner)
    }
    guard !orphans.isEmpty else { return [] }
    let described = orphans.map { "job \($0.id) (\($0.name))" }
    log.info(
      "cancelling \(orphans.count) job(s) left by an earlier run of \(clusterName): \(described.joined(separator: ", "))"
    )
    if let complaint = await client.cancel(orphans.map(\.id)) {
      log.warning("scancel of leftover jobs: \(complaint)")
    }
    return described
  }
}

extension Job {
  /// Over for good.
  var isFinal: Bool { if case .ended = phase { return true } else { return false } }
}

/// `mkdir -p` for the backend's folders.
enum Folders {
  static func make(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      if mkdir(current, 0o755) != 0 && errno != EEXIST {
        throw ShoalError(
          .backendFailed, "cannot create \(current): \(String(cString: strerror(errno)))",
          hint:
            "check the permissions, or set cluster_kwargs.log_directory to a folder you can write")
      }
    }
  }
}
