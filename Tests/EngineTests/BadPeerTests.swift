import NIOCore
import NIOPosix
import Shoal
import ShoalCore
import ShoalScheduler
import ShoalWire
import Testing

/// Bad peers are refused with a clear message, and the scheduler keeps serving everyone else.
@Suite(.serialized) struct BadPeerTests {
  /// Runs `bad` against a scheduler that also serves a worker and a client, and checks
  /// that the client still gets results afterwards.
  func othersUnaffected(
    _ configuration: SchedulerConfiguration = SchedulerConfiguration(token: testToken),
    _ bad: @Sendable (String, Int) async throws -> Void
  ) async throws {
    try await withScheduler(configuration) { scheduler, address, port in
      let worker = try await TestWorker.connect(port: port, token: testToken, name: "w")
      let executor = try await Executor.connect(address: address, token: testToken)
      let before = executor.submit(echo("before"))
      try await bad(address, port)
      #expect(try await before.result.status == .succeeded)
      #expect(try await executor.map([echo("after")]).map(text) == ["after\n"])
      #expect(try await scheduler.load().workers.map(\.name) == ["w"])
      await executor.close()
      await worker.kill()
    }
  }

  func refusal(_ messages: [Message]) -> Refusal? {
    for case .refused(let refusal) in messages { return refusal }
    return nil
  }

  @Test func refusesAWrongToken() async throws {
    try await othersUnaffected { address, _ in
      let error = await #expect(throws: ShoalError.self) {
        try await Executor.connect(address: address, token: "wrong")
      }
      #expect(error?.code == .protocolViolation)
      #expect(error?.message.contains("wrong token") == true)
    }
  }

  @Test func refusesAMissingToken() async throws {
    try await othersUnaffected { _, port in
      let peer = try await RawPeer.connect(port: port)
      try await peer.send(clientHello(token: ""))
      let refused = refusal(try await peer.messagesUntilClosed())
      #expect(refused?.reason == "authentication")
      #expect(refused?.message.contains("no token") == true)
    }
  }

  @Test func refusesAnotherProtocolVersion() async throws {
    try await othersUnaffected { _, port in
      let peer = try await RawPeer.connect(port: port)
      try await peer.send(clientHello(version: 99))
      let refused = refusal(try await peer.messagesUntilClosed())
      #expect(refused?.reason == "version")
      #expect(refused?.message.contains("version 99") == true)
    }
  }

  @Test func refusesGarbage() async throws {
    try await othersUnaffected { _, port in
      let http = try await RawPeer.connect(port: port)
      try await http.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
      #expect(refusal(try await http.messagesUntilClosed())?.reason == "frame_too_large")

      let noMagic = try await RawPeer.connect(port: port)
      try await noMagic.send([0, 0, 0, 5, MessageType.hello, 1, 2, 3, 4])
      #expect(refusal(try await noMagic.messagesUntilClosed())?.reason == "protocol")

      let notHello = try await RawPeer.connect(port: port)
      try await notHello.send(.heartbeat)
      #expect(refusal(try await notHello.messagesUntilClosed())?.reason == "protocol")
    }
  }

  @Test func refusesAnOversizedFrameAfterTheHandshake() async throws {
    let configuration = SchedulerConfiguration(token: testToken, maxFrameSize: 4096)
    try await othersUnaffected(configuration) { _, port in
      let peer = try await RawPeer.connect(port: port)
      try await peer.send(clientHello())
      // Only the length field: the scheduler must refuse without waiting for the payload.
      try await peer.send([0, 1, 0, 0])
      let refused = refusal(try await peer.messagesUntilClosed())
      #expect(refused?.reason == "frame_too_large")
    }
  }

  @Test func closesAStalledFrame() async throws {
    let configuration = SchedulerConfiguration(
      token: testToken, heartbeatInterval: .milliseconds(200), heartbeatTimeout: .seconds(1),
      handshakeTimeout: .seconds(1))
    try await othersUnaffected(configuration) { _, port in
      // Half a hello, then nothing.
      let stalledHello = try await RawPeer.connect(port: port)
      try await stalledHello.send([0, 0, 0, 40, MessageType.hello, 0x53])
      #expect(refusal(try await stalledHello.messagesUntilClosed())?.reason == "timeout")

      // A good hello, then half a frame.
      let stalledFrame = try await RawPeer.connect(port: port)
      try await stalledFrame.send(clientHello())
      try await stalledFrame.send([0, 0, 0, 100, MessageType.submit, 0])
      #expect(refusal(try await stalledFrame.messagesUntilClosed())?.reason == "timeout")
    }
  }

  @Test func refusesAMessageTheRoleMayNotSend() async throws {
    try await othersUnaffected { _, port in
      let peer = try await RawPeer.connect(port: port)
      try await peer.send(clientHello())
      try await peer.send(.results([ResultEnvelope(id: 1, result: TaskResult(status: .succeeded))]))
      #expect(refusal(try await peer.messagesUntilClosed())?.reason == "protocol")
    }
  }
}

@Suite struct AddressTests {
  @Test(arguments: [
    "", "localhost", "tcp://", "tcp://host", "tcp://:80", "tcp://h:0",
    "tcp://h:99999", "http://h:80", "tcp://h:port",
  ])
  func rejectsMalformedAddresses(_ address: String) async throws {
    let error = await #expect(throws: ShoalError.self) {
      try await Executor.connect(address: address, token: testToken, timeout: .seconds(2))
    }
    #expect(error?.code == .invalidValue)
    #expect(error?.message.contains("malformed scheduler address") == true)
  }

  @Test func parsesAddresses() throws {
    #expect(
      try SchedulerAddress(parsing: "tcp://127.0.0.1:8786") == .init(host: "127.0.0.1", port: 8786))
    #expect(try SchedulerAddress(parsing: "localhost:1") == .init(host: "localhost", port: 1))
    #expect(try SchedulerAddress(parsing: "tcp://[::1]:80") == .init(host: "::1", port: 80))
    #expect(SchedulerAddress(host: "::1", port: 80).description == "tcp://[::1]:80")
  }

  @Test func reportsAnAddressWhereNobodyListens() async throws {
    // Port 1 (tcpmux) is privileged and unused here: nothing listens there. A port bound
    // and freed by this test could be taken by a test running in parallel.
    let port = 1
    let error = await #expect(throws: ShoalError.self) {
      try await Executor.connect(
        address: "tcp://127.0.0.1:\(port)", token: testToken, timeout: .seconds(5))
    }
    #expect(error?.code == .connectionFailed)
    #expect(error?.message.contains("no scheduler answers") == true)
  }

  @Test func reportsASchedulerThatNeverAnswersWithinTheTimeout() async throws {
    // Something listens but never speaks Shoal.
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    let error = await #expect(throws: ShoalError.self) {
      try await Executor.connect(
        address: "tcp://127.0.0.1:\(port)", token: testToken, timeout: .milliseconds(500))
    }
    #expect(error?.code == .timeout)
    try await channel.close()
  }

  @Test func aPeerAnnouncingAGiantFrameIsRefusedNotBuffered() async throws {
    // Something that answers the hello with the header of a 3 GiB frame: the client's
    // decoder applies the handshake limit and closes at once, instead of waiting for
    // (and buffering) gigabytes until the timeout.
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .childChannelInitializer { child in
        child.eventLoop.makeCompletedFuture {
          try child.pipeline.syncOperations.addHandler(GiantFrameAnnouncer())
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    let error = await #expect(throws: ShoalError.self) {
      try await Executor.connect(
        address: "tcp://127.0.0.1:\(port)", token: testToken, timeout: .seconds(20))
    }
    #expect(error?.code == .connectionFailed, "\(String(describing: error))")
    try await channel.close()
  }
}

/// Sends the header of a 3 GiB frame and a few bytes of it to whoever connects.
private final class GiantFrameAnnouncer: ChannelInboundHandler, Sendable {
  typealias InboundIn = ByteBuffer

  func channelActive(context: ChannelHandlerContext) {
    var buffer = context.channel.allocator.buffer(capacity: 16)
    buffer.writeInteger(UInt32(3 << 30))
    buffer.writeBytes([1, 2, 3, 4])
    context.writeAndFlush(NIOAny(buffer), promise: nil)
  }
}
