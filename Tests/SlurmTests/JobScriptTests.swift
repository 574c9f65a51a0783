import Shoal
import ShoalCore
import SlurmSupport
import Testing

/// The generated batch scripts, as golden texts (pure: no Slurm needed).
@Suite struct JobScriptTests {
  /// The options of cluster `hpc` whose `cluster_kwargs` are the YAML flow mapping `kwargs`.
  static func options(_ kwargs: String) throws -> SlurmOptions {
    let yaml = """
      version: 1
      clusters:
        hpc:
          cluster_class: SlurmBackend.SlurmCluster
          cluster_kwargs: \(kwargs)
      """
    let config = try ShoalConfig.parse(yaml, file: "clusters.yaml", environment: [:])
    return try config.cluster(named: "hpc").clusterKwargs.decode(SlurmOptions.self)
  }

  static func script(_ kwargs: String, workers: [String] = ["hpc-1f2e-0"]) throws -> String {
    JobScript(
      options: try options(kwargs), jobName: "hpc-1f2e-0", workers: workers,
      tag: "shoal;cluster=hpc;id=hpc-1-1f2e;owner=head:42:7", executable: "/opt/shoal/bin/shoal",
      schedulerAddress: "tcp://10.0.0.1:8786", logDirectory: "/shared/logs"
    ).text
  }

  @Test func defaults() throws {
    #expect(
      try Self.script("{}") == """
        #!/usr/bin/env bash
        #SBATCH --job-name=hpc-1f2e-0
        #SBATCH --output=/shared/logs/hpc-1f2e-0.log
        #SBATCH --open-mode=append
        #SBATCH --comment=shoal;cluster=hpc;id=hpc-1-1f2e;owner=head:42:7
        #SBATCH --nodes=1
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=1
        #SBATCH --time=00:30:00
        #SBATCH --no-requeue

        exec /opt/shoal/bin/shoal worker tcp://10.0.0.1:8786 --name hpc-1f2e-0 --nthreads 1 --give-up-after 60 --drain-grace 90 --lifetime "$(( 1620 > SECONDS ? 1620 - SECONDS : 1 ))"

        """)
  }

  @Test func theWorkersSecretFileIsNamedAndNothingSecretIsInTheScript() throws {
    let script = JobScript(
      options: try Self.options("{processes: 2, cores: 2}"), jobName: "hpc-1f2e-0",
      workers: ["hpc-1f2e-0-0", "hpc-1f2e-0-1"], tag: "shoal;cluster=hpc",
      executable: "/opt/shoal/bin/shoal", schedulerAddress: "tcp://10.0.0.1:8786",
      logDirectory: "/shared/logs", tokenFile: "/shared/state/worker-secret"
    ).text
    let commands = script.split(separator: "\n").filter { $0.contains(" worker tcp://") }
    #expect(commands.count == 2)
    for command in commands {
      #expect(command.contains(" --token-file /shared/state/worker-secret "), "\(command)")
    }
    #expect(!script.contains("SHOAL_TOKEN"))
  }

  @Test func everyOption() throws {
    let kwargs = """
      {queue: debug, account: proj42, cores: 4, memory: 1.5GiB, walltime: "1-02:00:00", \
      job_extra_directives: ["--qos=low", "#SBATCH --exclusive"], job_directives_skip: ["--open-mode"], \
      job_script_prologue: ["module load swift", "export OMP_NUM_THREADS=1"], \
      worker_extra_args: ["--plugin-path", "/opt/my tasks"], task_libraries: [MyTasks], \
      walltime_margin: 2m, give_up_after: 30}
      """
    #expect(
      try Self.script(kwargs) == """
        #!/usr/bin/env bash
        #SBATCH --job-name=hpc-1f2e-0
        #SBATCH --output=/shared/logs/hpc-1f2e-0.log
        #SBATCH --comment=shoal;cluster=hpc;id=hpc-1-1f2e;owner=head:42:7
        #SBATCH --partition=debug
        #SBATCH --account=proj42
        #SBATCH --nodes=1
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=4
        #SBATCH --mem=1536M
        #SBATCH --time=1-02:00:00
        #SBATCH --no-requeue
        #SBATCH --qos=low
        #SBATCH --exclusive

        module load swift
        export OMP_NUM_THREADS=1
        exec /opt/shoal/bin/shoal worker tcp://10.0.0.1:8786 --name hpc-1f2e-0 --nthreads 4 --tasks MyTasks --give-up-after 30 --drain-grace 60 --lifetime "$(( 93480 > SECONDS ? 93480 - SECONDS : 1 ))" --plugin-path '/opt/my tasks'

        """)
  }

  @Test func severalProcessesPerJob() throws {
    let script = try Self.script(
      "{cores: 4, processes: 2, memory: 8G, walltime: \"00:10:00\"}",
      workers: ["hpc-1f2e-0-0", "hpc-1f2e-0-1"])
    #expect(
      script == """
        #!/usr/bin/env bash
        #SBATCH --job-name=hpc-1f2e-0
        #SBATCH --output=/shared/logs/hpc-1f2e-0.log
        #SBATCH --open-mode=append
        #SBATCH --comment=shoal;cluster=hpc;id=hpc-1-1f2e;owner=head:42:7
        #SBATCH --nodes=1
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=4
        #SBATCH --mem=8G
        #SBATCH --time=00:10:00
        #SBATCH --no-requeue

        /opt/shoal/bin/shoal worker tcp://10.0.0.1:8786 --name hpc-1f2e-0-0 --nthreads 2 --give-up-after 60 --drain-grace 30 --lifetime "$(( 540 > SECONDS ? 540 - SECONDS : 1 ))" >>/shared/logs/hpc-1f2e-0-0.log 2>&1 &
        /opt/shoal/bin/shoal worker tcp://10.0.0.1:8786 --name hpc-1f2e-0-1 --nthreads 2 --give-up-after 60 --drain-grace 30 --lifetime "$(( 540 > SECONDS ? 540 - SECONDS : 1 ))" >>/shared/logs/hpc-1f2e-0-1.log 2>&1 &
        wait

        """)
  }

  @Test func skipRemovesGeneratedDirectivesOnly() throws {
    let script = try Self.script(
      "{memory: 4G, job_directives_skip: [\"--mem\", \"--no-requeue\"], job_extra_directives: [\"--mem-per-cpu=1G\"]}"
    )
    #expect(!script.contains("--mem=4G"))
    #expect(!script.contains("--no-requeue"))
    #expect(script.contains("#SBATCH --mem-per-cpu=1G\n"))
  }

  @Test(arguments: [
    ("45", 2700), ("45:30", 2730), ("01:30:00", 5400), ("2-00", 172_800), ("2-01:30", 178_200),
    ("1-00:00:01", 86401),
  ])
  func slurmTimes(_ text: String, _ seconds: Int) {
    #expect(SlurmTime.seconds(text) == seconds)
  }

  @Test(arguments: ["", "0", "1:75", "a:00", "1-", "-5", "00:00:00", "1:2:3:4"])
  func badSlurmTimes(_ text: String) {
    #expect(SlurmTime.seconds(text) == nil)
  }

  @Test func memorySizes() {
    #expect(SlurmMemory(parsing: "4G")?.description == "4G")
    #expect(SlurmMemory(parsing: "4GB")?.description == "4G")
    #expect(SlurmMemory(parsing: "512m")?.description == "512M")
    #expect(SlurmMemory(parsing: "1.5GiB")?.description == "1536M")
    #expect(SlurmMemory(parsing: "4000")?.description == "4000M")
    #expect(SlurmMemory(parsing: "1T")?.description == "1024G")
    #expect(SlurmMemory(parsing: "lots") == nil)
    #expect(SlurmMemory(parsing: "0G") == nil)
  }

  @Test func queueLines() {
    let output = """
      squeue: warning: something
      12|hpc-1f2e-0|PENDING|Resources||shoal;cluster=hpc;id=x;owner=h:1:2
      13|hpc-1f2e-1|RUNNING|None|n1|shoal;cluster=hpc;id=x;owner=h:1:2
      14|other|FAILED|NonZeroExitCode|n2|
      """
    let entries = QueueEntry.parse(output)
    #expect(entries.map(\.id) == ["12", "13", "14"])
    #expect(entries[0].isPending && entries[0].summary == "PENDING (Resources)")
    #expect(entries[1].isRunning && entries[1].summary == "RUNNING on n1")
    #expect(entries[2].isFinished && entries[2].summary == "FAILED (NonZeroExitCode)")
    #expect(JobTag(comment: entries[0].comment)?.cluster == "hpc")
    #expect(JobTag(comment: entries[2].comment) == nil)
    #expect(QueueEntry.submittedID("sbatch: warning: x\n42\n") == "42")
    #expect(QueueEntry.submittedID("42;cluster2\n") == "42")
    #expect(QueueEntry.submittedID("sbatch: error: Batch job submission failed\n") == nil)
  }
}
