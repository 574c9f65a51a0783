import NIOCore
import NIOEmbedded
import ShoalWire
import Testing

@Suite struct FrameDecoderTests {
  @Test func rejectsAnOversizedFrameBeforeItsPayload() throws {
    var decoder = FrameDecoder(maxFrameSize: 1024, firstFrameLimit: 1024)
    var buffer = ByteBuffer()
    buffer.writeInteger(UInt32(1025))
    // Only the length field is there: the decoder must refuse without waiting for the payload.
    #expect(throws: WireError(.frameTooLarge, "")) { try decoder.decodeMessage(from: &buffer) }
  }

  @Test func theFirstFrameHasTheHandshakeLimit() throws {
    var decoder = FrameDecoder()
    var buffer = ByteBuffer()
    buffer.writeInteger(UInt32(WireProtocol.handshakeFrameLimit + 1))
    #expect(throws: WireError(.frameTooLarge, "")) { try decoder.decodeMessage(from: &buffer) }
  }

  @Test func laterFramesHaveTheFullLimit() throws {
    var decoder = FrameDecoder(maxFrameSize: 1 << 20, firstFrameLimit: 64)
    var buffer = ByteBuffer()
    MessageEncoder.encode(.heartbeat, into: &buffer)
    let big = TaskEnvelope(id: 1, spec: .shell("cat", stdin: [UInt8](repeating: 7, count: 10_000)))
    MessageEncoder.encode(.submit([big]), into: &buffer)
    #expect(try decoder.decodeMessage(from: &buffer) == .heartbeat)
    #expect(try decoder.decodeMessage(from: &buffer) == .submit([big]))
  }

  @Test func waitsForPartialFramesByteByByte() throws {
    var whole = ByteBuffer()
    let message = Message.submit([TaskEnvelope(id: 5, spec: shellSpec)])
    MessageEncoder.encode(message, into: &whole)
    var decoder = FrameDecoder()
    var buffer = ByteBuffer()
    var decoded: [Message] = []
    for byte in whole.readableBytesView {
      buffer.writeInteger(byte)
      if let message = try decoder.decodeMessage(from: &buffer) { decoded.append(message) }
    }
    #expect(decoded == [message])
  }

  @Test func aTLSRecordOnAPlainConnectionIsNamedAsSuch() throws {
    // A TLS alert (21, version 3.3) and a TLS ClientHello (22, version 3.1).
    for first in [[21, 3, 3, 0, 2, 2, 40] as [UInt8], [22, 3, 1, 0, 200, 1]] {
      var decoder = FrameDecoder()
      var buffer = ByteBuffer(bytes: first)
      do {
        _ = try decoder.decodeMessage(from: &buffer)
        Issue.record("decoded a TLS record as a frame")
      } catch let error as WireError {
        #expect(error.code == .frameTooLarge)
        #expect(error.message.contains("the peer speaks TLS"), "\(error)")
      }
    }
    // Other garbage keeps the plain message.
    var decoder = FrameDecoder()
    var http = ByteBuffer(string: "GET / HTTP/1.1\r\n")
    #expect(throws: WireError.self) { try decoder.decodeMessage(from: &http) }
    #expect(!FrameDecoder.looksLikeTLS(0x4745_5420))
  }

  @Test func refusesGarbage() throws {
    // An HTTP request reads as a length of about 1.2 GB.
    var decoder = FrameDecoder()
    var http = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(throws: WireError(.frameTooLarge, "")) { try decoder.decodeMessage(from: &http) }

    // A small length with a type byte nobody defined.
    var decoder2 = FrameDecoder()
    var unknown = ByteBuffer(bytes: [0, 0, 0, 3, 0xEE, 1, 2])
    #expect(throws: WireError(.unknownMessage, "")) { try decoder2.decodeMessage(from: &unknown) }

    // A hello without the magic.
    var decoder3 = FrameDecoder()
    var noMagic = ByteBuffer(bytes: [0, 0, 0, 5, MessageType.hello, 1, 2, 3, 4])
    #expect(throws: WireError(.notShoal, "")) { try decoder3.decodeMessage(from: &noMagic) }

    // A zero length.
    var decoder4 = FrameDecoder()
    var empty = ByteBuffer(bytes: [0, 0, 0, 0])
    #expect(throws: WireError(.emptyFrame, "")) { try decoder4.decodeMessage(from: &empty) }
  }

  @Test func refusesPayloadsThatLie() throws {
    // A submit that announces a million tasks in a few bytes.
    var decoder = FrameDecoder()
    var lying = ByteBuffer(bytes: [0, 0, 0, 5, MessageType.submit, 0, 0x0F, 0x42, 0x40])
    #expect(throws: WireError(.malformed, "")) { try decoder.decodeMessage(from: &lying) }

    // A heartbeat with bytes left over.
    var decoder2 = FrameDecoder()
    var extra = ByteBuffer(bytes: [0, 0, 0, 2, MessageType.heartbeat, 9])
    #expect(throws: WireError(.malformed, "")) { try decoder2.decodeMessage(from: &extra) }

    // A result with an unknown status.
    var decoder3 = FrameDecoder()
    var frame = ByteBuffer()
    MessageEncoder.encode(
      .results([ResultEnvelope(id: 1, result: TaskResult(status: .failed))]), into: &frame)
    frame.setInteger(UInt8(99), at: 4 + 1 + 4 + 8)
    #expect(throws: WireError(.malformed, "")) { try decoder3.decodeMessage(from: &frame) }
  }

  @Test func aHelloOfAnotherVersionStillDecodes() throws {
    var frame = ByteBuffer()
    frame.writeInteger(UInt32(0))
    frame.writeInteger(MessageType.hello)
    frame.writeBytes(WireProtocol.magic)
    frame.writeInteger(UInt16(99))
    frame.writeString("whatever a future version sends")
    frame.setInteger(UInt32(frame.readableBytes - 4), at: 0)
    var decoder = FrameDecoder()
    guard case .hello(let hello) = try decoder.decodeMessage(from: &frame) else {
      Issue.record("expected a hello")
      return
    }
    #expect(hello.version == 99)
  }

  @Test func worksAsAChannelHandler() throws {
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MessageEncoder()))
    var bytes = ByteBuffer()
    MessageEncoder.encode(.heartbeat, into: &bytes)
    MessageEncoder.encode(.cancel([1, 2]), into: &bytes)
    let first = bytes.readSlice(length: 7)!
    try channel.writeInbound(first)
    try channel.writeInbound(bytes)
    #expect(try channel.readInbound(as: Message.self) == .heartbeat)
    #expect(try channel.readInbound(as: Message.self) == .cancel([1, 2]))

    try channel.writeOutbound(Message.drain)
    var out = try #require(try channel.readOutbound(as: ByteBuffer.self))
    #expect(out.readInteger(as: UInt32.self) == 1)
    #expect(out.readInteger(as: UInt8.self) == MessageType.drain)
    _ = try channel.finish()
  }
}
