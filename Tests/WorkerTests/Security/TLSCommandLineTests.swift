import Foundation
import ShoalTestSupport
import Testing

/// Your own certificates on the command line: `shoal scheduler`, `shoal worker` and
/// `shoal run` with `--tls-ca/--tls-cert/--tls-key`, and plain TCP refused on a
/// network address unless `--tls-off`.
@Suite("TLS on the command line", .serialized)
struct TLSCommandLineTests {
  @Test func schedulerWorkerAndRunWithYourOwnCertificates() async throws {
    let fixture = try TLSFixture()
    let tokenFile = try TemporaryDirectory.write(clusterToken + "\n", named: "token")
    let scheduler = try ChildProcess.shoal(
      "s13-scheduler",
      ["scheduler", "--port", "0", "--token-file", tokenFile]
        + (try fixture.flags(fixture.scheduler, name: "scheduler")))
    defer { scheduler.stop() }
    let address = try await scheduler.line(startingWith: "address: ")
    let worker = try fixture.startWorker("s13-cli-worker", address: address)
    defer { worker.stop() }
    let clientFlags = try fixture.flags(fixture.client, name: "client")
    // The worker is up once a task runs; `run` waits for a worker anyway.
    let run = try CommandRunner.shoal(
      ["run", "--address", address, "--token-file", tokenFile] + clientFlags
        + ["--", "echo", "over tls"])
    #expect(run.status == 0, "\(run.stderr)\nworker: \(worker.stderr)")
    #expect(run.stdout == "over tls\n")
    // Without certificates the same command is turned away.
    let plain = try CommandRunner.shoal(
      [
        "run", "--address", address, "--token-file", tokenFile, "--connect-timeout", "5", "--",
        "true",
      ])
    #expect(plain.status == 1)
    #expect(plain.stderr.contains("--tls-ca"))
    // Half the flags is a usage error.
    let half = try CommandRunner.shoal(
      ["run", "--address", address, "--tls-ca", "ca.pem", "--", "true"])
    #expect(half.status == 64)
    #expect(half.stderr.contains("--tls-cert, --tls-key"))
  }

  @Test func plainTCPOnANetworkAddressNeedsTLSOff() throws {
    let refused = try CommandRunner.shoal(["scheduler", "--host", "0.0.0.0", "--port", "0"])
    #expect(refused.status == 64)
    #expect(refused.stderr.contains("--tls-off"))
    let remote = try CommandRunner.shoal(
      ["run", "--address", "tcp://10.255.255.1:8786", "--", "true"],
      environment: ["SHOAL_TOKEN": "t"])
    #expect(remote.status == 1)
    #expect(remote.stderr.contains("plain TCP would send the token and every task in clear"))
  }
}
