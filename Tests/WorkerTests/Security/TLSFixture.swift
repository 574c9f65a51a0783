import Foundation
import Logging
import Shoal
import ShoalScheduler
import ShoalTestSupport

/// A CA and role certificates written to a temp folder (`s13-tls-*`), and a TLS
/// scheduler in this process that real `shoal worker` processes and clients reach.
struct TLSFixture {
  let folder: String
  let authority: CertificateAuthority
  let scheduler: TLSIdentity
  let worker: TLSIdentity
  let client: TLSIdentity

  init() throws {
    folder = try TemporaryDirectory.make("s13-tls")
    authority = try CertificateAuthority(name: "s13")
    scheduler = try authority.issue(role: .scheduler, name: "s13-scheduler")
    worker = try authority.issue(role: .worker, name: "s13-worker")
    client = try authority.issue(role: .client, name: "s13-client")
  }

  /// Writes `identity` as `NAME.pem`, `NAME-key.pem` and `ca.pem`; returns the files.
  func files(_ identity: TLSIdentity, name: String) throws -> TLSFiles {
    try identity.write(to: folder + "/" + name, name: name)
  }

  /// `--tls-ca F --tls-cert F --tls-key F` for `identity`.
  func flags(_ identity: TLSIdentity, name: String) throws -> [String] {
    let files = try files(identity, name: name)
    return ["--tls-ca", files.caFile, "--tls-cert", files.certFile, "--tls-key", files.keyFile]
  }

  /// Runs `body` with a TLS scheduler listening on a free loopback port.
  func withScheduler(
    token: String = clusterToken, tls: TLSSettings? = nil,
    _ body: (Scheduler, String) async throws -> Void
  ) async throws {
    var configuration = SchedulerConfiguration(token: token)
    configuration.tls = tls ?? .mutual(scheduler)
    let scheduler = Scheduler(
      configuration: configuration,
      logger: Logger(label: "scheduler", factory: { _ in SwiftLogNoOpLogHandler() }))
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      let address = try await scheduler.listeningAddress()
      do {
        try await body(scheduler, address)
      } catch {
        group.cancelAll()
        throw error
      }
      group.cancelAll()
    }
  }

  /// Starts `shoal worker ADDRESS --name NAME` with the worker's certificate files.
  func startWorker(
    _ name: String, address: String, identity: TLSIdentity? = nil, token: String = clusterToken
  ) throws -> ChildProcess {
    try ChildProcess.shoal(
      name,
      ["worker", address, "--name", name, "--nthreads", "1", "--give-up-after", "20"]
        + (try flags(identity ?? worker, name: name)),
      environment: ["SHOAL_TOKEN": token])
  }
}

/// Waits until the scheduler lists exactly `names` as workers.
func waitForWorkers(_ scheduler: Scheduler, _ names: Set<String>) async throws {
  try await eventually("workers \(names.sorted()) connected", timeout: .seconds(60)) {
    Set(try await scheduler.load().workers.map(\.name)) == names
  }
}
