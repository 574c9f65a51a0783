import NIOCore

/// The type byte of each message (the byte after a frame's length field).
///
///     0x01 hello      0x02 welcome    0x03 refused
///     0x10 submit     0x11 cancel     0x12 assign     0x13 results
///     0x14 handBack   0x15 drain      0x16 retire     0x17 heartbeat
///     0x18 output
///     0x20 controlRequest             0x21 controlResponse
public enum MessageType {
  public static let hello: UInt8 = 0x01
  public static let welcome: UInt8 = 0x02
  public static let refused: UInt8 = 0x03
  public static let submit: UInt8 = 0x10
  public static let cancel: UInt8 = 0x11
  public static let assign: UInt8 = 0x12
  public static let results: UInt8 = 0x13
  public static let handBack: UInt8 = 0x14
  public static let drain: UInt8 = 0x15
  public static let retire: UInt8 = 0x16
  public static let heartbeat: UInt8 = 0x17
  public static let output: UInt8 = 0x18
  public static let controlRequest: UInt8 = 0x20
  public static let controlResponse: UInt8 = 0x21
}

extension Message {
  /// The message's type byte.
  public var typeByte: UInt8 {
    switch self {
    case .hello: MessageType.hello
    case .welcome: MessageType.welcome
    case .refused: MessageType.refused
    case .submit: MessageType.submit
    case .cancel: MessageType.cancel
    case .assign: MessageType.assign
    case .results: MessageType.results
    case .handBack: MessageType.handBack
    case .drain: MessageType.drain
    case .retire: MessageType.retire
    case .heartbeat: MessageType.heartbeat
    case .output: MessageType.output
    case .controlRequest: MessageType.controlRequest
    case .controlResponse: MessageType.controlResponse
    }
  }

  /// Writes the type byte and the payload (not the length field) into `buffer`.
  public func write(to buffer: inout ByteBuffer) {
    buffer.writeInteger(typeByte)
    switch self {
    case .hello(let hello):
      buffer.writeBytes(WireProtocol.magic)
      buffer.writeInteger(hello.version)
      buffer.writeInteger(hello.role.wireValue)
      buffer.writeInteger(hello.slots)
      buffer.writeWireString(hello.name)
      buffer.writeWireString(hello.token)
      if !hello.resources.isEmpty { buffer.writeResources(hello.resources) }
    case .welcome(let welcome):
      buffer.writeInteger(welcome.version)
      buffer.writeWireString(welcome.name)
      buffer.writeInteger(welcome.heartbeatIntervalMilliseconds)
      buffer.writeInteger(welcome.heartbeatTimeoutMilliseconds)
      buffer.writeInteger(welcome.maxFrameSize)
    case .refused(let refusal):
      buffer.writeWireString(refusal.reason)
      buffer.writeWireString(refusal.message)
    case .submit(let tasks), .assign(let tasks):
      // The whole batch in one write (see WireCursors.swift).
      var size = 4
      // By index: a debug build allocates a frame per element for a for-in loop.
      for index in tasks.indices { size += 8 + tasks[index].spec.wireSize }
      buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { memory in
        var writer = WireWriter(memory)
        writer.integer(UInt32(tasks.count))
        for task in tasks {
          writer.integer(task.id)
          writer.taskSpec(task.spec)
        }
        return writer.offset
      }
    case .cancel(let ids), .handBack(let ids):
      buffer.writeInteger(UInt32(ids.count))
      for id in ids { buffer.writeInteger(id) }
    case .results(let results):
      var size = 4
      for index in results.indices { size += 8 + results[index].result.wireSize }
      buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { memory in
        var writer = WireWriter(memory)
        writer.integer(UInt32(results.count))
        for result in results {
          writer.integer(result.id)
          writer.taskResult(result.result)
        }
        return writer.offset
      }
    case .drain, .retire, .heartbeat:
      break
    case .output(let output):
      buffer.writeInteger(output.id)
      buffer.writeInteger(output.stream.rawValue)
      buffer.writeWireBytes(output.bytes)
    case .controlRequest(let request):
      buffer.writeInteger(request.id)
      buffer.writeWireString(request.command)
      buffer.writeWireStringMap(request.arguments)
    case .controlResponse(let response):
      buffer.writeInteger(response.id)
      buffer.writeWireStringMap(response.fields)
      buffer.writeWireOptionalString(response.error)
    }
  }

  /// Reads one message from a frame's type byte and payload; the whole buffer must be used.
  public static func read(from buffer: inout ByteBuffer) throws -> Message {
    let type: UInt8 = try buffer.readWireInteger("type")
    let message: Message
    switch type {
    case MessageType.hello:
      guard buffer.readBytes(length: 4) == WireProtocol.magic else {
        throw WireError(.notShoal, "the hello does not start with the Shoal magic")
      }
      let version: UInt16 = try buffer.readWireInteger("version")
      guard version == WireProtocol.version else {
        // Later versions may change the rest of the hello; the version is what matters.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .hello(Hello(version: version, role: .client, name: "", token: ""))
      }
      let rawRole: UInt8 = try buffer.readWireInteger("role")
      guard let role = PeerRole(wireValue: rawRole) else {
        throw WireError(.malformed, "unknown peer role \(rawRole)")
      }
      let slots: UInt32 = try buffer.readWireInteger("slots")
      guard slots <= WireProtocol.maxSlots else {
        throw WireError(
          .malformed, "\(slots) slots is over the limit of \(WireProtocol.maxSlots)")
      }
      let name = try buffer.readWireString("name")
      let token = try buffer.readWireString("token")
      guard name.utf8.count <= WireProtocol.maxNameLength else {
        throw WireError(.malformed, "the name is longer than \(WireProtocol.maxNameLength) bytes")
      }
      // Resources follow only when the worker has any (older hellos end here).
      let resources = buffer.readableBytes > 0 ? try buffer.readResources() : ResourceSet()
      message = .hello(
        Hello(
          version: version, role: role, name: name, slots: slots, token: token,
          resources: resources))
    case MessageType.welcome:
      let welcome = Welcome(
        version: try buffer.readWireInteger("version"), name: try buffer.readWireString("name"),
        heartbeatIntervalMilliseconds: try buffer.readWireInteger("heartbeatInterval"),
        heartbeatTimeoutMilliseconds: try buffer.readWireInteger("heartbeatTimeout"),
        maxFrameSize: try buffer.readWireInteger("maxFrameSize"))
      guard welcome.heartbeatIntervalMilliseconds > 0, welcome.heartbeatTimeoutMilliseconds > 0
      else { throw WireError(.malformed, "a heartbeat interval or timeout of 0 ms") }
      guard welcome.maxFrameSize >= WireProtocol.minFrameSize else {
        throw WireError(
          .malformed,
          "a frame limit of \(welcome.maxFrameSize) bytes is under the minimum of "
            + "\(WireProtocol.minFrameSize)")
      }
      message = .welcome(welcome)
    case MessageType.refused:
      message = .refused(
        Refusal(
          reason: try buffer.readWireString("reason"),
          message: try buffer.readWireString("message")))
    case MessageType.submit, MessageType.assign:
      // The whole batch in one read (see WireCursors.swift).
      let (tasks, used) = try buffer.withUnsafeReadableBytes { memory in
        var reader = WireReader(memory)
        let count = try reader.count("tasks")
        var tasks: [TaskEnvelope] = []
        tasks.reserveCapacity(count)
        for _ in 0..<count {
          let id: UInt64 = try reader.integer("id")
          tasks.append(TaskEnvelope(id: id, spec: try reader.taskSpec()))
        }
        return (tasks, reader.offset)
      }
      buffer.moveReaderIndex(forwardBy: used)
      message = type == MessageType.submit ? .submit(tasks) : .assign(tasks)
    case MessageType.cancel, MessageType.handBack:
      let count = try buffer.readWireCount("ids")
      var ids: [UInt64] = []
      ids.reserveCapacity(count)
      for _ in 0..<count { ids.append(try buffer.readWireInteger("id")) }
      message = type == MessageType.cancel ? .cancel(ids) : .handBack(ids)
    case MessageType.results:
      let (results, used) = try buffer.withUnsafeReadableBytes { memory in
        var reader = WireReader(memory)
        let count = try reader.count("results")
        var results: [ResultEnvelope] = []
        results.reserveCapacity(count)
        for _ in 0..<count {
          let id: UInt64 = try reader.integer("id")
          results.append(ResultEnvelope(id: id, result: try reader.taskResult()))
        }
        return (results, reader.offset)
      }
      buffer.moveReaderIndex(forwardBy: used)
      message = .results(results)
    case MessageType.drain: message = .drain
    case MessageType.retire: message = .retire
    case MessageType.heartbeat: message = .heartbeat
    case MessageType.output:
      let id: UInt64 = try buffer.readWireInteger("id")
      let rawStream: UInt8 = try buffer.readWireInteger("stream")
      guard let stream = TaskOutput.Stream(rawValue: rawStream) else {
        throw WireError(.malformed, "unknown output stream \(rawStream)")
      }
      message = .output(
        TaskOutput(id: id, stream: stream, bytes: try buffer.readWireBytes("bytes")))
    case MessageType.controlRequest:
      message = .controlRequest(
        ControlRequest(
          id: try buffer.readWireInteger("id"), command: try buffer.readWireString("command"),
          arguments: try buffer.readWireStringMap("arguments")))
    case MessageType.controlResponse:
      message = .controlResponse(
        ControlResponse(
          id: try buffer.readWireInteger("id"), fields: try buffer.readWireStringMap("fields"),
          error: try buffer.readWireOptionalString("error")))
    default:
      throw WireError(.unknownMessage, "unknown message type 0x\(String(type, radix: 16))")
    }
    guard buffer.readableBytes == 0 else {
      throw WireError(.malformed, "\(buffer.readableBytes) bytes left over after the message")
    }
    return message
  }
}
