import ArgumentParser
import Shoal
import ShoalCore
import SlurmSupport

/// `shoal job-script NAME`: the batch script a Slurm cluster submits for each job
/// (dask-jobqueue's `cluster.job_script()`).
struct JobScriptCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "job-script",
    abstract: "Print the batch script a SlurmBackend.SlurmCluster submits for each job.",
    discussion: """
      The script exactly as `sbatch` gets it on stdin: the #SBATCH header from \
      cluster_kwargs (queue, account, cores, memory, walltime, job_extra_directives \
      minus job_directives_skip), the job_script_prologue lines, and the `shoal worker` \
      command. While the cluster is up (`shoal up NAME`) the script carries its real \
      scheduler address and id; otherwise SCHEDULER_PORT and CLUSTER_ID stand for them.

      Examples:
        shoal job-script hpc
        shoal job-script hpc > job.sh && sbatch --test-only job.sh
      """)

  @OptionGroup var options: ConfigOptions
  @Argument(help: "The cluster's name (default: the config's `default`).") var name: String?

  func run() throws {
    try withErrorReporting {
      let config = try options.loadConfig()
      let spec = try config.cluster(named: name)
      let clusterClass = spec.clusterClass ?? "-"
      guard clusterClass == "SlurmBackend.SlurmCluster" || clusterClass == "SlurmCluster" else {
        throw ShoalError(
          .invalidValue,
          "cluster `\(spec.name)` is a \(spec.clusterClass ?? "connection to an existing cluster"), not a SlurmBackend.SlurmCluster; only Slurm clusters have a job script",
          location: spec.clusterClassLocation, keyPath: "clusters.\(spec.name).cluster_class")
      }
      let slurm = try spec.clusterKwargs.decode(SlurmOptions.self)
      guard slurm.mode == .jobs else {
        throw spec.clusterKwargs["mode"]?.error(
          "mode: allocation submits no batch job: its workers are srun steps of the allocation `shoal` runs in"
        ) ?? ShoalError(.invalidValue, "mode: allocation submits no batch job")
      }
      print(Self.script(name: spec.name, options: slurm), terminator: "")
    }
  }

  /// The script of job 0 of cluster `name`, with the running cluster's address and
  /// id when it is up.
  static func script(name: String, options: SlurmOptions) -> String {
    let folder = StateFolder.standard()
    let record = folder.record(name)
    let address =
      record.map { options.scheduler.workerAddress(actual: $0.address) }
      ?? placeholderPort(options.scheduler.workerAddress(actual: "tcp://127.0.0.1:0"))
    let clusterID = record?.clusterID ?? "\(name)-CLUSTER_ID"
    let suffix = String(clusterID.split(separator: "-").last ?? "0").prefix(6).lowercased()
    let tag = JobTag(
      cluster: name, clusterID: clusterID,
      owner: record.map { "\(OwnerStamp.hostName()):\($0.pid):START" } ?? "OWNER")
    let jobName = "\(name)-\(suffix)-0"
    let workers =
      options.processes == 1 ? [jobName] : (0..<options.processes).map { "\(jobName)-\($0)" }
    return JobScript(
      options: options, jobName: jobName, workers: workers, tag: tag.comment,
      executable: options.remoteShoal ?? ClusterOptions.defaultWorkerExecutable(),
      schedulerAddress: address,
      logDirectory: options.logDirectory ?? folder.cluster(name) + "/logs",
      tokenFile: options.logDirectory.map { $0 + "/.shoal-secret-" + clusterID }
        ?? SecretFile.path(stateDirectory: folder.cluster(name))
    ).text
  }

  static func placeholderPort(_ address: String) -> String {
    address.hasSuffix(":0") ? String(address.dropLast(2)) + ":SCHEDULER_PORT" : address
  }
}
