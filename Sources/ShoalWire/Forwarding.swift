import NIOCore

// The scheduler never looks inside a task's spec, and reads only the duration of a
// result: it forwards both as the bytes it received (checked to be well-formed), so a
// task costs it no decoding into Swift values and no encoding back. The bytes on the
// wire are exactly those of `Message.submit`/`.assign`/`.results`.

/// A task the scheduler passes from client to worker: its id and its spec's encoded
/// bytes (the `TaskSpec` wire encoding), never decoded.
public struct ForwardedTask: Sendable {
  /// The id (the client's from a client, the scheduler's to a worker).
  public var id: UInt64
  /// The spec's encoding.
  public var spec: ByteBuffer
  /// The spec's `resources`, read when forwarding (the one field the scheduler
  /// needs); nil when the task asks for none.
  public var resources: ResourceSet?

  /// A forwarded task that needs no resources.
  public init(id: UInt64, spec: ByteBuffer) {
    // No default argument: a debug build calls a function for each (the hot-path guard
    // counts it per task).
    self.id = id
    self.spec = spec
    self.resources = nil
  }

  /// A forwarded task and its spec's resources (nil when none).
  public init(id: UInt64, spec: ByteBuffer, resources: ResourceSet?) {
    self.id = id
    self.spec = spec
    self.resources = resources
  }
}

/// A result the scheduler passes from worker to client: its encoded bytes (the
/// `TaskResult` wire encoding) and the one field the scheduler reads.
public struct ForwardedResult: Sendable {
  /// The id (the scheduler's from a worker, the client's to a client).
  public var id: UInt64
  /// The result's encoding.
  public var result: ByteBuffer
  /// The result's `duration` (seconds the task ran on the worker).
  public var duration: Double

  /// A forwarded result.
  public init(id: UInt64, result: ByteBuffer, duration: Double) {
    self.id = id
    self.result = result
    self.duration = duration
  }

  /// A result the scheduler makes itself (rejected, cancelled, lost), encoded.
  public init(id: UInt64, encoding result: TaskResult) {
    var buffer = ByteBuffer()
    buffer.writeTaskResult(result)
    self.init(id: id, result: buffer, duration: result.duration)
  }
}

/// What a scheduler reads from a connection: the batches it forwards as bytes, and
/// every other message decoded.
public enum SchedulerInbound: Sendable {
  /// Any message but `submit` and `results`.
  case message(Message)
  /// A client's `submit`, specs as bytes.
  case submit([ForwardedTask])
  /// A worker's `results`, results as bytes.
  case results([ForwardedResult])
}

/// What a scheduler writes to a connection.
public enum SchedulerOutbound: Sendable {
  /// Any message.
  case message(Message)
  /// An `assign` of forwarded specs.
  case assign([ForwardedTask])
  /// A `results` of forwarded results.
  case results([ForwardedResult])
}

/// The scheduler's side of `FrameDecoder`: the same frames and limits, with `submit`
/// and `results` checked field by field but kept as bytes.
public struct SchedulerFrameDecoder: ByteToMessageDecoder {
  public typealias InboundOut = SchedulerInbound

  private var frames: FrameDecoder

  /// A decoder with the given limits.
  public init(
    maxFrameSize: Int = WireProtocol.defaultMaxFrameSize,
    firstFrameLimit: Int = WireProtocol.handshakeFrameLimit
  ) {
    frames = FrameDecoder(maxFrameSize: maxFrameSize, firstFrameLimit: firstFrameLimit)
  }

  public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws
    -> DecodingState
  {
    guard let inbound = try decodeInbound(from: &buffer) else { return .needMoreData }
    context.fireChannelRead(wrapInboundOut(inbound))
    return .continue
  }

  public mutating func decodeLast(
    context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
  ) throws -> DecodingState {
    try decode(context: context, buffer: &buffer)
  }

  /// Decodes the next frame from `buffer`, or returns nil when it is not complete.
  public mutating func decodeInbound(from buffer: inout ByteBuffer) throws -> SchedulerInbound? {
    guard var frame = try frames.decodeFrame(from: &buffer) else { return nil }
    switch frame.getInteger(at: frame.readerIndex, as: UInt8.self) {
    case MessageType.submit?: return .submit(try Self.forwardedTasks(frame))
    case MessageType.results?: return .results(try Self.forwardedResults(frame))
    default: return .message(try Message.read(from: &frame))
    }
  }

  /// The payload in a buffer of its own, so that the forwarded slices keep this frame
  /// alive rather than the decoder's buffer (which they would make it copy on every read).
  private static func ownCopy(_ frame: ByteBuffer) -> ByteBuffer {
    var payload = ByteBufferAllocator().buffer(capacity: frame.readableBytes)
    payload.writeImmutableBuffer(frame)
    return payload
  }

  static func forwardedTasks(_ frame: ByteBuffer) throws -> [ForwardedTask] {
    let payload = ownCopy(frame)
    let base = payload.readerIndex
    return try payload.withUnsafeReadableBytes { memory in
      var reader = WireReader(memory)
      _ = try reader.integer(as: UInt8.self, "type")
      let count = try reader.count("tasks")
      var tasks: [ForwardedTask] = []
      tasks.reserveCapacity(count)
      for _ in 0..<count {
        let id: UInt64 = try reader.integer("id")
        let start = reader.offset
        let resources = try reader.skipTaskSpec()
        tasks.append(
          ForwardedTask(
            id: id, spec: payload.getSlice(at: base + start, length: reader.offset - start)!,
            resources: resources))
      }
      try reader.expectEnd()
      return tasks
    }
  }

  static func forwardedResults(_ frame: ByteBuffer) throws -> [ForwardedResult] {
    let payload = ownCopy(frame)
    let base = payload.readerIndex
    return try payload.withUnsafeReadableBytes { memory in
      var reader = WireReader(memory)
      _ = try reader.integer(as: UInt8.self, "type")
      let count = try reader.count("results")
      var results: [ForwardedResult] = []
      results.reserveCapacity(count)
      for _ in 0..<count {
        let id: UInt64 = try reader.integer("id")
        let start = reader.offset
        let duration = try reader.skipTaskResult()
        results.append(
          ForwardedResult(
            id: id, result: payload.getSlice(at: base + start, length: reader.offset - start)!,
            duration: duration))
      }
      try reader.expectEnd()
      return results
    }
  }
}

/// The scheduler's side of `MessageEncoder`: forwarded batches are copied as they came.
public struct SchedulerFrameEncoder: MessageToByteEncoder {
  public typealias OutboundIn = SchedulerOutbound

  /// An encoder.
  public init() {}

  public func encode(data: SchedulerOutbound, out: inout ByteBuffer) throws {
    switch data {
    case .message(let message):
      MessageEncoder.encode(message, into: &out)
    case .assign(let tasks):
      // length, type, count, then id + spec bytes per task (`Message.assign`'s layout).
      var size = 9
      for index in tasks.indices { size += 8 + tasks[index].spec.readableBytes }
      out.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { memory in
        var writer = WireWriter(memory)
        writer.integer(UInt32(size - 4))
        writer.integer(MessageType.assign)
        writer.integer(UInt32(tasks.count))
        for index in tasks.indices {
          writer.integer(tasks[index].id)
          writer.verbatim(tasks[index].spec)
        }
        return writer.offset
      }
    case .results(let results):
      var size = 9
      for index in results.indices { size += 8 + results[index].result.readableBytes }
      out.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { memory in
        var writer = WireWriter(memory)
        writer.integer(UInt32(size - 4))
        writer.integer(MessageType.results)
        writer.integer(UInt32(results.count))
        for index in results.indices {
          writer.integer(results[index].id)
          writer.verbatim(results[index].result)
        }
        return writer.offset
      }
    }
  }
}

extension WireReader {
  /// Checks a spec as `taskSpec()` does, without making one; returns its resources
  /// (nil when it asks for none).
  mutating func skipTaskSpec() throws -> ResourceSet? {
    let flags: UInt8 = try integer("flags")
    guard flags & ~7 == 0 else { throw WireError(.malformed, "unknown task flags \(flags)") }
    if flags & 1 != 0 { _ = try timeoutNanoseconds() }
    var needs: ResourceSet? = nil
    if flags & 4 != 0 { needs = try resources() }
    switch try integer(as: UInt8.self, "kind") {
    case 0:
      _ = try span("command")
      for _ in 0..<(try count("arguments")) { _ = try span("arguments") }
      for _ in 0..<(try count("environment")) {
        _ = try span("environment")
        _ = try span("environment")
      }
      if try flag("workingDirectory") { _ = try span("workingDirectory") }
      if try flag("stdin") { _ = try span("stdin") }
    case 1:
      _ = try span("library")
      _ = try span("name")
      _ = try span("inputType")
      _ = try span("outputType")
      _ = try span("input")
    case let other:
      throw WireError(.malformed, "unknown task kind \(other)")
    }
    return needs
  }

  /// Checks a result as `taskResult()` does, without making one; returns its duration.
  mutating func skipTaskResult() throws -> Double {
    let rawStatus: UInt8 = try integer("status")
    guard TaskResult.Status(wireValue: rawStatus) != nil else {
      throw WireError(.malformed, "unknown task status \(rawStatus)")
    }
    let flags: UInt8 = try integer("flags")
    guard flags & ~3 == 0 else { throw WireError(.malformed, "unknown result flags \(flags)") }
    _ = try integer(as: Int32.self, "exitCode")
    let duration = try seconds("duration")
    _ = try span("output")
    _ = try span("errorOutput")
    if try flag("message") { _ = try span("message") }
    if try flag("worker") { _ = try span("worker") }
    return duration
  }

  /// Every byte of a payload must be used.
  func expectEnd() throws {
    guard remaining == 0 else {
      throw WireError(.malformed, "\(remaining) bytes left over after the message")
    }
  }
}
