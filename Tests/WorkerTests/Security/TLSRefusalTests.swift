import Foundation
import NIOCore
import NIOPosix
import Shoal
import ShoalCore
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Testing

/// Mutual TLS with real processes: a TLS scheduler, `shoal worker` processes holding
/// worker certificates, and clients holding client certificates. Each refusal leaves
/// the scheduler serving its legitimate worker and client.
@Suite("mutual TLS and roles", .serialized)
struct TLSRefusalTests {
  /// Runs `body` with a TLS scheduler and one legitimate worker process `w`; afterwards
  /// checks that a legitimate client still gets a result from `w`.
  func withServingCluster(
    _ body: (TLSFixture, Scheduler, String) async throws -> Void
  ) async throws {
    let fixture = try TLSFixture()
    try await fixture.withScheduler { scheduler, address in
      let worker = try fixture.startWorker("w", address: address)
      defer { worker.stop() }
      do {
        try await waitForWorkers(scheduler, ["w"])
      } catch {
        Issue.record("worker log:\n\(worker.stderr)")
        throw error
      }
      try await body(fixture, scheduler, address)
      let executor = try await Executor.connect(
        address: address, token: clusterToken, tls: .mutual(fixture.client))
      let result = try await executor.submit(.shell("echo", ["still serving"])).result
      await executor.close()
      #expect(result.status == .succeeded)
      #expect(String(decoding: result.output, as: UTF8.self) == "still serving\n")
      #expect(result.worker == "w")
      #expect(worker.isRunning)
    }
  }

  @Test func roleCertificatesRunATask() async throws {
    try await withServingCluster { _, _, _ in }
  }

  @Test func aPlainClientIsRefused() async throws {
    try await withServingCluster { _, scheduler, address in
      let error = await #expect(throws: ShoalError.self) {
        try await Executor.connect(address: address, token: clusterToken, timeout: .seconds(5))
      }
      #expect(error?.code == .connectionFailed)
      #expect(error?.hint?.contains("--tls-ca") == true)
      let load = try await scheduler.load()
      #expect(load.clients == 0)
    }
  }

  @Test func aCertificateFromAnotherCAIsRefused() async throws {
    try await withServingCluster { fixture, scheduler, address in
      // Trusts the right CA (so this side's check passes) but presents a certificate
      // of another CA: the scheduler must refuse it.
      let other = try CertificateAuthority(name: "s13-other").issue(role: .client, name: "intruder")
      var identity = other
      identity.caCertificatePEM = fixture.client.caCertificatePEM
      let error = await #expect(throws: ShoalError.self) {
        try await Executor.connect(
          address: address, token: clusterToken, tls: .mutual(identity), timeout: .seconds(5))
      }
      #expect(error?.message.contains("TLS") == true || error?.message.contains("lost") == true)
      let load = try await scheduler.load()
      #expect(load.clients == 0)
    }
  }

  @Test func anExpiredCertificateIsRefused() async throws {
    try await withServingCluster { fixture, scheduler, address in
      let now = Date()
      let expired = try fixture.authority.issue(
        role: .client, name: "expired", notBefore: now - 7200, notAfter: now - 3600)
      let error = await #expect(throws: ShoalError.self) {
        try await Executor.connect(
          address: address, token: clusterToken, tls: .mutual(expired), timeout: .seconds(5))
      }
      #expect(error != nil)
      let load = try await scheduler.load()
      #expect(load.clients == 0)
    }
  }

  @Test func aWorkerCertificateCannotSubmit() async throws {
    try await withServingCluster { fixture, scheduler, address in
      let error = await #expect(throws: ShoalError.self) {
        try await Executor.connect(
          address: address, token: clusterToken, tls: .mutual(fixture.worker),
          timeout: .seconds(5))
      }
      #expect(error?.message.contains("a worker certificate may not connect as a client") == true)
      let load = try await scheduler.load()
      #expect(load.clients == 0)
    }
  }

  @Test func aClientCertificateCannotRegisterAsAWorker() async throws {
    try await withServingCluster { fixture, scheduler, address in
      let rogue = try fixture.startWorker("rogue", address: address, identity: fixture.client)
      defer { rogue.stop() }
      #expect(await rogue.waitForExit() == 1)
      #expect(rogue.stderr.contains("a client certificate may not connect as a worker"))
      let load = try await scheduler.load()
      #expect(load.workers.map(\.name) == ["w"])
    }
  }

  @Test func aSecondWorkerWithATakenNameIsRefused() async throws {
    try await withServingCluster { fixture, scheduler, address in
      let twin = try fixture.startWorker("w", address: address)
      defer { twin.stop() }
      #expect(await twin.waitForExit() == 1)
      #expect(twin.stderr.contains("worker names must be unique"))
      let load = try await scheduler.load()
      #expect(load.workers.map(\.name) == ["w"])
    }
  }

  @Test func aWorkerCertificateCannotPoseAsTheScheduler() async throws {
    let fixture = try TLSFixture()
    try await fixture.withScheduler(tls: .mutual(fixture.worker)) { _, address in
      let error = await #expect(throws: ShoalError.self) {
        try await Executor.connect(
          address: address, token: clusterToken, tls: .mutual(fixture.client),
          timeout: .seconds(5))
      }
      #expect(error?.message.contains("no TLS session") == true, "\(String(describing: error))")
    }
  }

  /// A worker (with a valid worker certificate) that answers tasks it was not given:
  /// the forged results are dropped, and the client gets the real worker's output.
  @Test func aWorkerMayOnlyAnswerItsOwnTasks() async throws {
    try await withServingCluster { fixture, scheduler, address in
      let executor = try await Executor.connect(
        address: address, token: clusterToken, tls: .mutual(fixture.client))
      let handle = executor.submit(.shell("sh", ["-c", "sleep 1; echo real"]))
      try await eventually("the task runs on w", timeout: .seconds(30)) {
        try await scheduler.load().running == 1
      }
      let rogue = try await RogueWorker.connect(
        address: address, identity: fixture.worker, name: "rogue")
      // Scheduler ids are CLIENT_PEER << 40 | CLIENT_TASK: guess every small one.
      var forged: [ResultEnvelope] = []
      for peer in UInt64(1)...16 {
        forged.append(
          ResultEnvelope(
            id: peer << 40 | 1,
            result: TaskResult(status: .succeeded, output: Array("forged\n".utf8), worker: "w")))
      }
      try await rogue.send(.results(forged))
      let result = try await handle.result
      await rogue.close()
      await executor.close()
      #expect(String(decoding: result.output, as: UTF8.self) == "real\n")
      #expect(result.worker == "w")
    }
  }
}

/// A worker written against the wire protocol over TLS, that sends what it is told.
final class RogueWorker: Sendable {
  let channel: any Channel

  private init(channel: any Channel) { self.channel = channel }

  static func connect(address: String, identity: TLSIdentity, name: String) async throws
    -> RogueWorker
  {
    let parsed = try SchedulerAddress(parsing: address)
    let tls = try TLSSettings.mutual(identity).makeClientContext()
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let verified = HandshakeFuture()
    let channel = try await ClientBootstrap(group: loop)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          let handlers = channel.pipeline.syncOperations
          let done = try tls.addHandlers(to: handlers, eventLoop: channel.eventLoop)
          verified.set(done)
          try handlers.addHandler(ByteToMessageHandler(FrameDecoder()))
          try handlers.addHandler(MessageToByteHandler(MessageEncoder()))
        }
      }
      .connect(host: parsed.host, port: parsed.port).get()
    try await verified.wait()
    let rogue = RogueWorker(channel: channel)
    try await rogue.send(
      .hello(Hello(role: .worker, name: name, slots: 1, token: clusterToken)))
    return rogue
  }

  func send(_ message: Message) async throws {
    try await channel.writeAndFlush(message)
  }

  func close() async { try? await channel.close() }
}
