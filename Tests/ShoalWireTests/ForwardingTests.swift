import NIOCore
import NIOEmbedded
import ShoalWire
import Testing

/// The scheduler's codec: `submit` and `results` are checked but kept as bytes, and
/// forwarded as `assign` and `results` frames identical to those `Message` makes.
@Suite struct ForwardingTests {
  static let tasks = [
    TaskEnvelope(id: 1, spec: shellSpec), TaskEnvelope(id: 2, spec: swiftSpec),
    TaskEnvelope(id: 3, spec: TaskSpec(shellSpec.kind, timeout: .seconds(2), streamsOutput: true)),
  ]
  static let results = [
    ResultEnvelope(id: 7, result: fullResult),
    ResultEnvelope(id: 8, result: TaskResult(status: .succeeded)),
  ]

  func inbound(_ message: Message) throws -> SchedulerInbound? {
    var buffer = ByteBuffer()
    MessageEncoder.encode(message, into: &buffer)
    var decoder = SchedulerFrameDecoder(firstFrameLimit: WireProtocol.defaultMaxFrameSize)
    let decoded = try decoder.decodeInbound(from: &buffer)
    #expect(buffer.readableBytes == 0)
    return decoded
  }

  func frame(_ outbound: SchedulerOutbound) throws -> ByteBuffer {
    var buffer = ByteBuffer()
    try SchedulerFrameEncoder().encode(data: outbound, out: &buffer)
    return buffer
  }

  func frame(_ message: Message) -> ByteBuffer {
    var buffer = ByteBuffer()
    MessageEncoder.encode(message, into: &buffer)
    return buffer
  }

  @Test func aSubmitIsForwardedAsTheSameAssignBytes() throws {
    guard case .submit(let forwarded)? = try inbound(.submit(Self.tasks)) else {
      Issue.record("expected a submit")
      return
    }
    #expect(forwarded.map(\.id) == [1, 2, 3])
    for (task, original) in zip(forwarded, Self.tasks) {
      var spec = task.spec
      #expect(try spec.readTaskSpec() == original.spec)
    }
    #expect(try frame(.assign(forwarded)) == frame(.assign(Self.tasks)))
  }

  @Test func resultsAreForwardedAsTheSameBytesWithTheirDuration() throws {
    guard case .results(let forwarded)? = try inbound(.results(Self.results)) else {
      Issue.record("expected results")
      return
    }
    #expect(forwarded.map(\.duration) == [0.25, 0])
    #expect(try frame(.results(forwarded)) == frame(.results(Self.results)))
    let made = ForwardedResult(id: 8, encoding: TaskResult(status: .succeeded))
    #expect(try frame(.results([forwarded[0], made])) == frame(.results(Self.results)))
  }

  @Test func otherMessagesAreDecoded() throws {
    let hello = Message.hello(Hello(role: .client, name: "c", token: "t"))
    guard case .message(let message)? = try inbound(hello) else {
      Issue.record("expected a message")
      return
    }
    #expect(message == hello)
    #expect(try frame(.message(.cancel([1, 2]))) == frame(.cancel([1, 2])))
    #expect(try frame(SchedulerOutbound.assign([])) == frame(Message.assign([])))
  }

  @Test func malformedBatchesAreRefusedAsDecodingWouldRefuseThem() throws {
    // A spec of an unknown kind, one cut short, bytes left over, an unknown status.
    var badKind = frame(.submit([TaskEnvelope(id: 1, spec: .shell("true"))]))
    badKind.setInteger(UInt8(9), at: 4 + 1 + 4 + 8 + 1)
    var short = frame(.submit([TaskEnvelope(id: 1, spec: .shell("true"))]))
    short.setInteger(UInt32(short.readableBytes - 5), at: 0)
    short.moveWriterIndex(to: short.writerIndex - 1)
    var extra = ByteBuffer()
    extra.writeInteger(UInt32(0))
    Message.submit([TaskEnvelope(id: 1, spec: .shell("true"))]).write(to: &extra)
    extra.writeInteger(UInt8(0))
    extra.setInteger(UInt32(extra.readableBytes - 4), at: 0)
    var badStatus = frame(.results([ResultEnvelope(id: 1, result: TaskResult(status: .failed))]))
    badStatus.setInteger(UInt8(99), at: 4 + 1 + 4 + 8)
    for var bytes in [badKind, short, extra, badStatus] {
      var plain = FrameDecoder(firstFrameLimit: 1 << 20)
      var copy = bytes
      #expect(throws: WireError(.malformed, "")) { try plain.decodeMessage(from: &copy) }
      var decoder = SchedulerFrameDecoder(firstFrameLimit: 1 << 20)
      #expect(throws: WireError(.malformed, "")) { try decoder.decodeInbound(from: &bytes) }
    }
  }

  @Test func theFirstFrameLimitStillHolds() {
    var decoder = SchedulerFrameDecoder()
    var huge = ByteBuffer(bytes: [0x40, 0, 0, 0, MessageType.submit])
    #expect(throws: WireError(.frameTooLarge, "")) { try decoder.decodeInbound(from: &huge) }
  }
}
