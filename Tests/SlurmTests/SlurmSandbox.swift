import Foundation
import ShoalCore
import ShoalTestSupport

/// A real Slurm for one test: `Scripts/slurm-sandbox start DIR` runs munged (its own
/// socket and key), slurmctld and two slurmd (nodes n1 and n2, one CPU each) on
/// random ports, every file under a fresh `s14-slurm-*` folder. `close()` shuts them
/// down and kills each daemon by the pid the script recorded, also after a failed test.
///
/// Without root or Slurm the suites skip on a developer machine, and fail under
/// `CI=true` or `SHOAL_REQUIRE_INTEGRATION=1` (a missing prerequisite is a failure there).
final class SlurmSandbox: Sendable {
  /// The folder of every daemon file.
  let directory: String
  /// `$SLURM_CONF` for sbatch, squeue, scancel.
  let conf: String

  /// Why a private Slurm cannot run here, or nil when it can.
  static let unavailableReason: String? = {
    for tool in ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      return "\(tool) is missing: apt-get install slurm-wlm munge (Scripts/test does)"
    }
    if getuid() != 0 { return "the Slurm daemons run as root (SlurmUser=root)" }
    return nil
  }()

  /// Starts the daemons and waits until both nodes are idle; sets `$SLURM_CONF` in
  /// this process (the backend under test runs sbatch from here).
  init() throws {
    if let reason = SlurmSandbox.unavailableReason {
      throw SandboxError(message: "cannot start a Slurm for the test: \(reason)")
    }
    directory = try TemporaryDirectory.make("s14-slurm")
    conf = directory + "/slurm.conf"
    let status = try SlurmSandbox.script("start", directory)
    guard status == 0 else {
      _ = try? SlurmSandbox.script("stop", directory)
      let output = (try? String(contentsOfFile: directory + "/sandbox.out", encoding: .utf8)) ?? ""
      throw SandboxError(message: "Scripts/slurm-sandbox start failed (\(status)): \(output)")
    }
    setenv("SLURM_CONF", conf, 1)
  }

  /// Stops every daemon (by pid when `scontrol shutdown` is not enough).
  func close() {
    if (try? SlurmSandbox.script("stop", directory)) == 0 {
      try? FileManager.default.removeItem(atPath: directory)
    }
  }

  /// Runs `Scripts/slurm-sandbox COMMAND DIR` with ShoalCore's spawner, which closes
  /// every descriptor above 2: the daemons it starts must not hold a pipe of this
  /// process (Foundation's `Process` would wait for it to close). Returns its status.
  static func script(_ command: String, _ directory: String) throws -> Int32 {
    let pid = try ProcessSupervisor.spawnDetached(
      .init(
        executable: BuildProducts.repositoryRoot + "/Scripts/slurm-sandbox",
        arguments: [command, directory], logFile: directory + "/sandbox.out"))
    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(90)
    while waitpid(pid, &status, WNOHANG) == 0 {
      if Date() > deadline {
        kill(-pid, SIGKILL)
        waitpid(pid, &status, 0)
        return -1
      }
      usleep(20_000)
    }
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  }

  /// Runs a Slurm client command (`squeue`, `scontrol`, ...) against this Slurm.
  @discardableResult
  func run(_ tool: String, _ arguments: [String]) throws -> CommandOutput {
    try CommandRunner.run("/usr/bin/" + tool, arguments, environment: ["SLURM_CONF": conf])
  }

  /// The jobs in the queue: `id|name|state|reason|nodes|comment` lines.
  func jobs(states: String = "all") -> [[String]] {
    let output =
      (try? run("squeue", ["-h", "-t", states, "-o", "%i|%j|%T|%r|%N|%k"]))?.stdout ?? ""
    return output.split(separator: "\n").map {
      $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    }
  }

  /// The pending and running jobs.
  func activeJobs() -> [[String]] { jobs(states: "pending,running,completing,configuring") }
}

struct SandboxError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
