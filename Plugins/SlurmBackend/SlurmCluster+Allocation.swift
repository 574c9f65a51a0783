import ShoalCore
import SlurmSupport

/// `mode: allocation` (dask-jobqueue's `SLURMRunner`): `shoal` runs inside a job
/// (`sbatch`, `salloc`), and each worker is an `srun` step of that job on one of its
/// tasks, supervised like a local process. Scaling is bounded by the allocation's
/// task count.
struct Allocation: Sendable, Hashable {
  /// `$SLURM_JOB_ID`.
  var jobID: String
  /// Workers the allocation holds: `$SLURM_NTASKS`, else `$SLURM_JOB_NUM_NODES`.
  var capacity: Int
  /// Slots per worker: `$SLURM_CPUS_PER_TASK`, else 1.
  var threads: Int
  /// `$SLURM_JOB_NODELIST`.
  var nodes: String

  /// The allocation this process runs in; throws (at `node`) outside of one.
  init(environment: [String: String], node: Kwargs) throws {
    guard let id = environment["SLURM_JOB_ID"], !id.isEmpty else {
      throw node.error(
        "mode: allocation needs to run inside a Slurm job, and SLURM_JOB_ID is not set",
        hint:
          "start shoal from a batch script (`sbatch -n 4 run.sh`) or `salloc -n 4`, or use mode: jobs"
      )
    }
    jobID = id
    capacity = max(
      1,
      Int(environment["SLURM_NTASKS"] ?? "") ?? Int(environment["SLURM_JOB_NUM_NODES"] ?? "") ?? 1)
    threads = max(1, Int(environment["SLURM_CPUS_PER_TASK"] ?? "") ?? 1)
    nodes = environment["SLURM_JOB_NODELIST"] ?? "?"
  }

  /// `job 12: 2 tasks on n[1-2]`.
  var summary: String { "job \(jobID): \(capacity) task(s) on \(nodes)" }
}

extension SlurmCluster {
  /// Supervises the `srun` steps until cancelled; then stops them all.
  func runAllocation(_ runtime: Runtime, allocation: Allocation) async throws {
    let supervisor = ProcessSupervisor(
      policy: .init(stopGrace: .seconds(15), restartCleanExits: false), log: runtime.context.log)
    state.withLock {
      $0.runtime = runtime
      $0.supervisor = supervisor
    }
    runtime.context.log.info(
      "Slurm allocation \(allocation.summary): up to \(allocation.capacity) worker(s) as srun steps"
    )
    await supervisor.run()
    state.withLock {
      $0.closed = true
      $0.steps.removeAll()
    }
  }

  /// Starts or stops `srun` steps until `count` run; refuses more than the
  /// allocation holds.
  func scaleAllocation(to count: Int, runtime: Runtime, allocation: Allocation) async throws {
    guard count <= allocation.capacity else {
      throw ShoalError(
        .invalidValue,
        "cannot scale to \(count) workers: the allocation holds \(allocation.capacity) (\(allocation.summary))",
        hint: "ask for more tasks (sbatch -n N), or use mode: jobs")
    }
    guard let supervisor = state.withLock({ $0.supervisor }) else { return }
    let (start, stop): ([String], [String]) = state.withLock { state in
      let live = state.steps.filter { name in
        !(supervisor.statuses().first { $0.name == name }?.state.isFinal ?? true)
      }
      state.steps = live
      if live.count < count {
        let new = (live.count..<count).map { _ -> String in
          defer { state.nextIndex += 1 }
          return "\(runtime.context.clusterName)-\(runtime.suffix)-\(state.nextIndex)"
        }
        state.steps += new
        return (new, [])
      }
      let surplus = Array(live.suffix(live.count - count))
      state.steps.removeAll { surplus.contains($0) }
      return ([], surplus)
    }
    if !stop.isEmpty {
      await supervisor.stop(stop)
      supervisor.forget(stop)
    }
    for name in start {
      try await supervisor.launch(
        name: name, step(name, runtime: runtime, threads: allocation.threads))
    }
  }

  /// Stops the named steps.
  func stopAllocation(_ names: [String]) async {
    guard let supervisor = state.withLock({ $0.supervisor }) else { return }
    state.withLock { $0.steps.removeAll { names.contains($0) } }
    await supervisor.stop(names)
    supervisor.forget(names)
  }

  /// `srun ... shoal worker ...` for worker `name`.
  func step(_ name: String, runtime: Runtime, threads: Int) -> ProcessSupervisor.Command {
    var launch = runtime.context.workerLaunch(
      name: name, nthreads: threads, taskLibraries: options.taskLibraries,
      extraArguments: ["--give-up-after", String(Int(options.giveUpAfter))]
        + options.workerExtraArgs)
    launch.executable = runtime.executable
    launch.schedulerAddress = runtime.workerAddress
    launch.tokenFile = runtime.secretFile
    launch.environment[WorkerLaunch.tokenVariable] = nil
    let srun = [
      "--nodes=1", "--ntasks=1", "--exact", "--cpus-per-task=\(threads)", "--job-name=\(name)",
      "--kill-on-bad-exit=1",
    ]
    return ProcessSupervisor.Command(
      executable: "srun", arguments: srun + launch.commandLine, environment: launch.environment,
      logFile: runtime.logDirectory + "/\(name).log")
  }
}
