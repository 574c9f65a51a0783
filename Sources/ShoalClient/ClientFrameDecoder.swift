import NIOCore
import ShoalWire

/// The client's frame decoder: the protocol's limits, as a scheduler applies them.
///
/// The first frame (the welcome) may be at most `WireProtocol.handshakeFrameLimit`
/// bytes; every later frame at most the `maxFrameSize` that welcome announced, so a
/// peer that is not a Shoal scheduler, or a broken one, cannot make the client buffer
/// gigabytes.
struct ClientFrameDecoder: ByteToMessageDecoder {
  typealias InboundOut = Message

  private var frames = FrameDecoder(
    maxFrameSize: WireProtocol.handshakeFrameLimit,
    firstFrameLimit: WireProtocol.handshakeFrameLimit)

  mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws
    -> DecodingState
  {
    guard let message = try decodeMessage(from: &buffer) else { return .needMoreData }
    context.fireChannelRead(wrapInboundOut(message))
    return .continue
  }

  mutating func decodeLast(
    context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
  ) throws -> DecodingState {
    try decode(context: context, buffer: &buffer)
  }

  /// Decodes the next message; a welcome sets the limit of the frames after it.
  mutating func decodeMessage(from buffer: inout ByteBuffer) throws -> Message? {
    let message = try frames.decodeMessage(from: &buffer)
    if case .welcome(let welcome) = message {
      let limit = Int(welcome.maxFrameSize)
      frames = FrameDecoder(maxFrameSize: limit, firstFrameLimit: limit)
    }
    return message
  }
}
