import NIOCore
import ShoalWire
import Testing

/// Encodes `message` as a frame and decodes it back.
func roundTrip(_ message: Message) throws -> Message? {
  var buffer = ByteBuffer()
  MessageEncoder.encode(message, into: &buffer)
  var decoder = FrameDecoder(firstFrameLimit: WireProtocol.defaultMaxFrameSize)
  let decoded = try decoder.decodeMessage(from: &buffer)
  #expect(buffer.readableBytes == 0)
  return decoded
}

let shellSpec = TaskSpec.shell(
  "sh", ["-c", "echo $X; cat"], environment: ["X": "1", "Y": "é"], workingDirectory: "/tmp",
  stdin: [1, 2, 3], timeout: .milliseconds(1500))
let swiftSpec = TaskSpec(
  .swift(
    SwiftTaskCall(
      library: "MyTasks", name: "Square", inputType: "Swift.Int", outputType: "Swift.Int",
      input: Array("7".utf8))))
let fullResult = TaskResult(
  status: .failed, exitCode: -3, output: Array("out".utf8), errorOutput: [0, 255],
  truncated: true, message: "exited with status 3", worker: "w1", duration: 0.25)

@Suite struct MessageRoundTripTests {
  static let messages: [Message] = [
    .hello(Hello(role: .worker, name: "worker-1", slots: 4, token: "secret")),
    .hello(Hello(role: .client, name: "", token: "")),
    .hello(Hello(role: .control, name: "ctl", token: "t")),
    .welcome(
      Welcome(
        name: "worker-1", heartbeatIntervalMilliseconds: 1000, heartbeatTimeoutMilliseconds: 10000,
        maxFrameSize: 1 << 26)),
    .refused(Refusal(reason: "authentication", message: "wrong token")),
    .submit([TaskEnvelope(id: 1, spec: shellSpec), TaskEnvelope(id: 2, spec: swiftSpec)]),
    .submit([]),
    .assign([TaskEnvelope(id: UInt64.max, spec: .shell("true"))]),
    .submit([
      TaskEnvelope(id: 3, spec: TaskSpec(shellSpec.kind, streamsOutput: true)),
      TaskEnvelope(
        id: 4, spec: TaskSpec(shellSpec.kind, timeout: .seconds(2), streamsOutput: true)),
    ]),
    .output(TaskOutput(id: 5, stream: .stdout, bytes: Array("line\n".utf8))),
    .output(TaskOutput(id: UInt64.max, stream: .stderr, bytes: [0, 255])),
    .cancel([1, 2, 3]),
    .handBack([42]),
    .results([
      ResultEnvelope(id: 7, result: fullResult),
      ResultEnvelope(id: 8, result: TaskResult(status: .succeeded)),
    ]),
    .drain, .retire, .heartbeat,
    .controlRequest(ControlRequest(id: 9, command: "scale", arguments: ["n": "3", "name": "x"])),
    .controlResponse(ControlResponse(id: 9, fields: ["load": "{}"])),
    .controlResponse(ControlResponse(id: 10, error: "no such cluster")),
  ]

  @Test(arguments: messages)
  func roundTripsEveryMessage(_ message: Message) throws {
    #expect(try roundTrip(message) == message)
  }

  @Test func aSpecWithoutStreamingEncodesAsBefore() {
    // The flags byte was the timeout's 0/1 flag: specs without streaming are unchanged.
    var plain = ByteBuffer()
    plain.writeTaskSpec(.shell("true"))
    #expect(plain.readableBytesView.first == 0)
    var timed = ByteBuffer()
    timed.writeTaskSpec(.shell("true", timeout: .seconds(1)))
    #expect(timed.readableBytesView.first == 1)
  }

  @Test func refusesUnknownSpecFlagsAndStreams() {
    var spec = ByteBuffer()
    spec.writeTaskSpec(.shell("true"))
    spec.setInteger(UInt8(8), at: spec.readerIndex)
    #expect(throws: WireError.self) { try spec.readTaskSpec() }
    var output = ByteBuffer()
    Message.output(TaskOutput(id: 1, stream: .stdout, bytes: [])).write(to: &output)
    output.setInteger(UInt8(3), at: output.readerIndex + 9)
    #expect(throws: WireError.self) { try Message.read(from: &output) }
  }

  @Test func roundTripsEveryResultStatus() throws {
    for status in [TaskResult.Status.succeeded, .failed, .timedOut, .lost, .cancelled, .rejected] {
      let message = Message.results([ResultEnvelope(id: 1, result: TaskResult(status: status))])
      #expect(try roundTrip(message) == message)
    }
  }

  @Test func manyMessagesInOneBuffer() throws {
    var buffer = ByteBuffer()
    for message in Self.messages { MessageEncoder.encode(message, into: &buffer) }
    var decoder = FrameDecoder(firstFrameLimit: 1 << 20)
    var decoded: [Message] = []
    while let message = try decoder.decodeMessage(from: &buffer) { decoded.append(message) }
    #expect(decoded == Self.messages)
  }

  @Test func batchesSplitNearTheTargetSize() {
    let tasks = (0..<100).map { TaskEnvelope(id: UInt64($0), spec: .shell("echo", ["\($0)"])) }
    let batches = wireBatches(tasks, targetSize: 500) { $0.spec.estimatedWireSize + 8 }
    #expect(batches.count > 1)
    #expect(batches.flatMap { $0 } == tasks)
    #expect(wireBatches([TaskEnvelope](), size: { _ in 1 }).isEmpty)
  }
}
