import NIOCore

/// Cuts the byte stream into frames and decodes each into a `Message`.
///
/// A frame is a big-endian `UInt32` length, then that many bytes: the type byte and
/// the payload.
///
///     +-----------------+------------+------------------------------+
///     | length (UInt32) | type (u8)  | payload (length - 1 bytes)   |
///     | big-endian      |            |                              |
///     +-----------------+------------+------------------------------+
///     <---- 4 bytes ----><------------- length bytes --------------->
///
/// The length is checked against the limit as soon as its four bytes are in: a frame
/// over the limit is an error before any of its payload is buffered. The first frame
/// of a connection (the hello) has a much smaller limit, so that garbage or a stray
/// protocol (an HTTP request reads as a length of about 1.2 GB) is refused at once.
/// A frame that stalls half-way is not this decoder's business: the scheduler closes
/// connections that stay silent past the heartbeat timeout.
public struct FrameDecoder: ByteToMessageDecoder {
  public typealias InboundOut = Message

  /// Where the decoder is in the current frame.
  enum ReadState {
    /// Waiting for the four bytes of the length field.
    case waitingForLength
    /// The length is known and within the limit; waiting for the whole frame.
    case waitingForFrame(length: Int)
  }

  private var state = ReadState.waitingForLength
  private var framesDecoded = 0
  /// The largest frame accepted after the first.
  public let maxFrameSize: Int
  /// The largest first frame accepted.
  public let firstFrameLimit: Int

  /// A decoder with the given limits.
  public init(
    maxFrameSize: Int = WireProtocol.defaultMaxFrameSize,
    firstFrameLimit: Int = WireProtocol.handshakeFrameLimit
  ) {
    self.maxFrameSize = maxFrameSize
    self.firstFrameLimit = firstFrameLimit
  }

  public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws
    -> DecodingState
  {
    guard let message = try decodeMessage(from: &buffer) else { return .needMoreData }
    context.fireChannelRead(wrapInboundOut(message))
    return .continue
  }

  public mutating func decodeLast(
    context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
  ) throws -> DecodingState {
    // A partial frame at EOF is dropped: the peer is gone, there is nobody to answer.
    try decode(context: context, buffer: &buffer)
  }

  /// Decodes the next message from `buffer`, or returns nil when the frame is not complete.
  /// Usable without a channel (the unit tests drive it directly).
  public mutating func decodeMessage(from buffer: inout ByteBuffer) throws -> Message? {
    guard var frame = try decodeFrame(from: &buffer) else { return nil }
    return try Message.read(from: &frame)
  }

  /// Whether the first four bytes of a connection, read as a frame length, are the
  /// start of a TLS record (content type 20...23, version 3.1...3.4): a TLS peer on a
  /// plain connection.
  public static func looksLikeTLS(_ length: UInt32) -> Bool {
    let type = length >> 24
    let major = (length >> 16) & 0xFF
    let minor = (length >> 8) & 0xFF
    return (20...23).contains(type) && major == 3 && (1...4).contains(minor)
  }

  /// Cuts the next frame from `buffer` (its type byte and payload), or returns nil when
  /// it is not complete; checks the length against the limits.
  public mutating func decodeFrame(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
    if case .waitingForLength = state {
      guard let length = buffer.readInteger(as: UInt32.self) else { return nil }
      let limit = framesDecoded == 0 ? firstFrameLimit : maxFrameSize
      guard Int(length) <= limit else {
        if framesDecoded == 0, Self.looksLikeTLS(length) {
          throw WireError(
            .frameTooLarge,
            "the peer speaks TLS where plain TCP was expected (a TLS record instead of a hello);"
              + " give both sides the cluster's certificates, or neither")
        }
        throw WireError(
          .frameTooLarge,
          "a frame of \(length) bytes is over the limit of \(limit) bytes"
            + (framesDecoded == 0 ? " for a hello (is this a Shoal peer?)" : ""))
      }
      guard length > 0 else { throw WireError(.emptyFrame, "a frame of length 0") }
      state = .waitingForFrame(length: Int(length))
    }
    guard case .waitingForFrame(let length) = state,
      let frame = buffer.readSlice(length: length)
    else { return nil }
    state = .waitingForLength
    framesDecoded += 1
    return frame
  }
}

/// Encodes each outbound `Message` as one frame (see `FrameDecoder` for the layout).
///
/// Writes are not flushed here: senders write a batch of messages and flush once per
/// event-loop read cycle.
public struct MessageEncoder: MessageToByteEncoder {
  public typealias OutboundIn = Message

  /// An encoder.
  public init() {}

  public func encode(data: Message, out: inout ByteBuffer) throws {
    Self.encode(data, into: &out)
  }

  /// Appends `message` as one frame to `buffer`.
  public static func encode(_ message: Message, into buffer: inout ByteBuffer) {
    let lengthIndex = buffer.writerIndex
    buffer.writeInteger(UInt32(0))
    message.write(to: &buffer)
    buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
  }
}
