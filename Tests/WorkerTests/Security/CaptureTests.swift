import Foundation
import Shoal
import ShoalTestSupport
import Testing

/// A relay between the peers and the scheduler records every byte: under TLS the
/// capture holds neither the token nor a task's command or output; the same run over
/// plain TCP shows both (so the capture would catch a leak).
@Suite("traffic capture", .serialized)
struct CaptureTests {
  static let marker = "s13-secret-marker-7f3a"

  /// Runs one task through a relay and returns what the relay saw.
  func capture(tls: Bool) async throws -> [UInt8] {
    let fixture = try TLSFixture()
    var captured: [UInt8] = []
    try await fixture.withScheduler(tls: tls ? nil : .off) { scheduler, address in
      let port = Int(address.split(separator: ":").last!)!
      let relay = try await FreezableProxy.start(upstreamPort: port)
      defer { relay.close() }
      let worker: ChildProcess
      if tls {
        worker = try fixture.startWorker("captured", address: relay.address)
      } else {
        worker = try ChildProcess.shoal(
          "captured", ["worker", relay.address, "--name", "captured", "--nthreads", "1"],
          environment: ["SHOAL_TOKEN": clusterToken])
      }
      defer { worker.stop() }
      try await waitForWorkers(scheduler, ["captured"])
      let executor = try await Executor.connect(
        address: relay.address, token: clusterToken, tls: tls ? .mutual(fixture.client) : .off)
      let result = try await executor.submit(
        .shell("echo", [CaptureTests.marker], environment: ["S13_PASSWORD": CaptureTests.marker])
      ).result
      await executor.close()
      #expect(String(decoding: result.output, as: UTF8.self) == CaptureTests.marker + "\n")
      captured = relay.captured
    }
    return captured
  }

  @Test func tlsTrafficShowsNeitherTokenNorTask() async throws {
    let bytes = try await capture(tls: true)
    #expect(bytes.count > 1000)  // the handshakes and the task went through the relay
    #expect(!bytes.containsText(clusterToken))
    #expect(!bytes.containsText(Self.marker))
  }

  @Test func plainTrafficShowsBoth() async throws {
    let bytes = try await capture(tls: false)
    #expect(bytes.containsText(clusterToken))
    #expect(bytes.containsText(Self.marker))
  }
}
