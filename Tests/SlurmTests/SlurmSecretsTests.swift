import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import Testing

/// Issue 13 on Slurm: batch jobs' workers read their token, certificate and key from
/// a 0600 file the script names; none of it reaches sbatch's environment, the job
/// script or a command line, and the cluster works under `tls: auto`.
@Suite(
  .serialized, .enabled(if: Integration.runs(missing: SlurmSandbox.unavailableReason)),
  .failsWithout(SlurmSandbox.unavailableReason))
struct SlurmSecretsTests {
  typealias H = SlurmClusterHarness

  static func mode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil
  }

  @Test func jobsReadTheirSecretsFromA0600FileNotFromTheirEnvironment() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    // A site wrapper (`submit_command`) that keeps what sbatch is given: its
    // environment and the script on its stdin.
    let spy = try TemporaryDirectory.make("s13-sbatch")
    let wrapper = spy + "/sbatch-spy"
    try """
    #!/bin/sh
    env > \(spy)/env.$$
    cat > \(spy)/script.$$
    exec sbatch "$@" < \(spy)/script.$$

    """.write(toFile: wrapper, atomically: true, encoding: .utf8)
    chmod(wrapper, 0o755)
    let log = H.Log()
    let runtime = try H.runtime(
      ["n_workers: 1", "give_up_after: 5", "submit_command: \(wrapper)"], log: log)
    let secret = runtime.stateDirectory + "/worker-secret"
    try await H.running(runtime) { endpoint in
      #expect(endpoint.tls.isEnabled, "tls: auto is mutual TLS")
      #expect(Self.mode(secret) == 0o600)
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let result = try await executor.submit(
        .shell("sh", ["-c", "echo job $SLURM_JOB_ID; env | grep -c SHOAL_TOKEN || true"])
      ).result
      await executor.close()
      let output = String(decoding: result.output, as: UTF8.self)
      #expect(result.status == .succeeded && output.hasPrefix("job "), "\(result)")
      #expect(output.hasSuffix("\n0\n"), "a task sees no SHOAL_TOKEN: \(output)")

      let files = try FileManager.default.contentsOfDirectory(atPath: spy)
      let environments = files.filter { $0.hasPrefix("env.") }
      let scripts = files.filter { $0.hasPrefix("script.") }
      #expect(!environments.isEmpty && !scripts.isEmpty, "\(files)")
      for name in environments {
        let text = try String(contentsOfFile: spy + "/" + name, encoding: .utf8)
        #expect(!text.contains("SHOAL_TOKEN="), "sbatch's environment: \(text)")
        #expect(!text.contains(endpoint.token))
        #expect(!text.contains("shoal-credentials"))
      }
      for name in scripts {
        let text = try String(contentsOfFile: spy + "/" + name, encoding: .utf8)
        #expect(text.contains(" --token-file \(secret) "), "\(text)")
        #expect(!text.contains(endpoint.token))
        #expect(!text.contains("shoal-credentials"))
      }
    }
    #expect(!FileManager.default.fileExists(atPath: secret), "removed when the cluster closes")
    #expect(await eventually(30) { slurm.activeJobs().isEmpty }, "\(slurm.activeJobs())")
  }

  @Test func aLogDirectoryOfItsOwnGetsA0600CopyRemovedAtTheEnd() async throws {
    let slurm = try SlurmSandbox()
    defer { slurm.close() }
    let logs = try TemporaryDirectory.make("s13-slurm-logs")
    let log = H.Log()
    let runtime = try H.runtime(
      ["n_workers: 1", "give_up_after: 5", "log_directory: \(logs)"], log: log)
    let copy = try await H.running(runtime) { endpoint -> String in
      let secrets = try FileManager.default.contentsOfDirectory(atPath: logs)
        .filter { $0.hasPrefix(".shoal-secret-") }
      #expect(secrets.count == 1, "\(secrets)")
      let copy = logs + "/" + (secrets.first ?? "")
      #expect(Self.mode(copy) == 0o600)
      let executor = try await Executor.connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls)
      let result = try await executor.submit(.shell("echo", ["ok"])).result
      await executor.close()
      #expect(result.status == .succeeded, "\(result)")
      let outputs = try FileManager.default.contentsOfDirectory(atPath: logs)
        .filter { $0.hasSuffix(".log") }
      #expect(!outputs.isEmpty, "the job's output went to log_directory")
      return copy
    }
    #expect(!FileManager.default.fileExists(atPath: copy), "removed when the cluster closes")
    #expect(await eventually(30) { slurm.activeJobs().isEmpty }, "\(slurm.activeJobs())")
  }
}
