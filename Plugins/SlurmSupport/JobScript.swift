/// The batch script of one job, as dask-jobqueue's `SLURMCluster.job_script()` writes
/// it: a header of `#SBATCH` directives, the prologue lines, then the worker command.
///
///     #!/usr/bin/env bash
///     #SBATCH --job-name=lab-1f2e-0
///     #SBATCH --output=/state/logs/lab-1f2e-0.log
///     #SBATCH --open-mode=append
///     #SBATCH --comment=shoal;cluster=lab;id=lab-1733390000-1f2e;owner=head:4242:99
///     #SBATCH --nodes=1
///     #SBATCH --ntasks=1
///     #SBATCH --cpus-per-task=1
///     #SBATCH --time=00:30:00
///     #SBATCH --no-requeue
///     exec /usr/bin/shoal worker tcp://10.0.0.1:8786 --name lab-1f2e-0 ... \
///       --token-file /state/worker-secret ...
///
/// Pure: the same inputs give the same text (the golden tests hold it to that).
package struct JobScript: Sendable {
  /// The cluster's options.
  package var options: SlurmOptions
  /// The job's name (`--job-name`).
  package var jobName: String
  /// The workers the job runs: `options.processes` names.
  package var workers: [String]
  /// The `--comment` that tags the job with its cluster (see `JobTag`).
  package var tag: String
  /// The `shoal` executable on the compute nodes.
  package var executable: String
  /// The scheduler address workers dial.
  package var schedulerAddress: String
  /// The folder of the job's and workers' output.
  package var logDirectory: String
  /// The 0600 file workers read their secrets from (`--token-file`): the token and,
  /// under TLS, their certificate and key. Nil: they get it some other way.
  package var tokenFile: String?

  package init(
    options: SlurmOptions, jobName: String, workers: [String], tag: String, executable: String,
    schedulerAddress: String, logDirectory: String, tokenFile: String? = nil
  ) {
    self.tokenFile = tokenFile
    self.options = options
    self.jobName = jobName
    self.workers = workers
    self.tag = tag
    self.executable = executable
    self.schedulerAddress = schedulerAddress
    self.logDirectory = logDirectory
  }

  /// The file the job's own output (stdout and stderr) goes to: the worker's log
  /// when the job runs one worker, else a job log beside the workers' logs.
  package var outputFile: String {
    logDirectory + "/" + (workers.count == 1 ? workers[0] : jobName) + ".log"
  }

  /// The log file of worker `name`.
  package func logFile(of name: String) -> String { logDirectory + "/\(name).log" }

  /// The directives Shoal writes, before `job_directives_skip` applies.
  package var generatedDirectives: [String] {
    var lines = [
      "--job-name=\(jobName)",
      "--output=\(outputFile)",
      "--open-mode=append",
      "--comment=\(tag)",
    ]
    if let queue = options.queue { lines.append("--partition=\(queue)") }
    if let account = options.account { lines.append("--account=\(account)") }
    lines += ["--nodes=1", "--ntasks=1", "--cpus-per-task=\(options.cores)"]
    if let memory = options.memory { lines.append("--mem=\(memory)") }
    lines += ["--time=\(SlurmTime.format(options.walltime))", "--no-requeue"]
    return lines
  }

  /// The header: the generated directives that no `job_directives_skip` entry
  /// matches, then `job_extra_directives` (never skipped), each as `#SBATCH ...`.
  package var header: [String] {
    let kept = generatedDirectives.filter { line in
      !options.jobDirectivesSkip.contains { !$0.isEmpty && line.contains($0) }
    }
    let extra = options.jobExtraDirectives.map { $0.hasPrefix("#SBATCH") ? $0 : "#SBATCH " + $0 }
    return kept.map { "#SBATCH " + $0 } + extra
  }

  /// The arguments of `shoal worker` for worker `name` (the lifetime is a shell
  /// expression: the walltime minus the margin, minus the time the prologue took).
  package func workerArguments(_ name: String) -> [String] {
    var arguments = [
      "worker", schedulerAddress, "--name", name, "--nthreads", String(options.threadsPerWorker),
    ]
    for library in options.taskLibraries { arguments += ["--tasks", library] }
    if let tokenFile { arguments += ["--token-file", tokenFile] }
    arguments += [
      "--give-up-after", JobScript.number(options.giveUpAfter),
      "--drain-grace", String(options.drainGrace),
    ]
    return arguments
  }

  /// The whole script.
  package var text: String {
    var lines = ["#!/usr/bin/env bash"] + header + [""]
    lines += options.jobScriptPrologue
    let lifetime = options.workerLifetime
    let lifetimeArgument =
      "--lifetime \"$(( \(lifetime) > SECONDS ? \(lifetime) - SECONDS : 1 ))\""
    func command(_ name: String) -> String {
      ([executable] + workerArguments(name)).map(JobScript.quote).joined(separator: " ") + " "
        + lifetimeArgument
        + options.workerExtraArgs.map { " " + JobScript.quote($0) }.joined()
    }
    if workers.count == 1 {
      lines.append("exec " + command(workers[0]))
    } else {
      for name in workers {
        lines.append(command(name) + " >>" + JobScript.quote(logFile(of: name)) + " 2>&1 &")
      }
      lines.append("wait")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// `text` quoted for the shell when it needs to be.
  package static func quote(_ text: String) -> String {
    let plain =
      !text.isEmpty
      && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0)) }
    if plain { return text }
    return "'" + text.replacingOccurrences("'", with: "'\\''") + "'"
  }

  static func number(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
  }
}

extension String {
  fileprivate func replacingOccurrences(_ target: Character, with replacement: String) -> String {
    var result = ""
    for character in self {
      if character == target { result += replacement } else { result.append(character) }
    }
    return result
  }
}
