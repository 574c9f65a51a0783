import NIOCore
import ShoalTestSupport
import ShoalWire
import Testing

/// Seeded fuzzing of both decoders, about 20 s each: valid frames of every message
/// type, mutated, and random bytes. A decoder may only return a message or throw a
/// `WireError`; it never traps, and what it returns re-encodes to a frame it accepts.
@Suite struct WireFuzzTests {
  static let seed: UInt64 = 0x5348_4F41_4C31_32
  static let budget = Duration.seconds(20)

  /// A valid message of a random type with random (edge-heavy) fields.
  static func message(using random: inout SeededGenerator) -> Message {
    func text() -> String {
      let pieces = ["", "w", "echo", "é", "\u{0}", String(repeating: "x", count: 300), "🐟"]
      return pieces.randomElement(using: &random)!
    }
    func bytes() -> [UInt8] {
      (0..<Int.random(in: 0...8, using: &random)).map { _ in
        UInt8.random(in: 0...255, using: &random)
      }
    }
    func spec() -> TaskSpec {
      let timeout: Duration? =
        Bool.random(using: &random)
        ? .milliseconds(Int64.random(in: 0...1_000_000, using: &random)) : nil
      if Bool.random(using: &random) {
        return TaskSpec(
          .shell(
            ShellTask(
              command: text(), arguments: [text(), text()], environment: [text(): text()],
              workingDirectory: Bool.random(using: &random) ? text() : nil,
              stdin: Bool.random(using: &random) ? bytes() : nil)), timeout: timeout,
          streamsOutput: Bool.random(using: &random))
      }
      return TaskSpec(
        .swift(
          SwiftTaskCall(
            library: text(), name: text(), inputType: text(), outputType: text(), input: bytes())),
        timeout: timeout)
    }
    func result() -> TaskResult {
      let durations: [Double] = [0, 1e-300, 0.25, 3600, 1e9]
      return TaskResult(
        status: TaskResult.Status(wireValue: UInt8.random(in: 0...5, using: &random))!,
        exitCode: Bool.random(using: &random) ? Int32.random(in: -255...255, using: &random) : nil,
        output: bytes(), errorOutput: bytes(), truncated: Bool.random(using: &random),
        message: Bool.random(using: &random) ? text() : nil,
        worker: Bool.random(using: &random) ? text() : nil,
        duration: durations.randomElement(using: &random)!)
    }
    let id = UInt64.random(in: 0...UInt64.max, using: &random)
    switch Int.random(in: 0..<14, using: &random) {
    case 0:
      return .hello(
        Hello(
          role: [.worker, .client, .control].randomElement(using: &random)!, name: "peer",
          slots: UInt32.random(in: 0...WireProtocol.maxSlots, using: &random), token: text()))
    case 1:
      return .welcome(
        Welcome(
          name: text(), heartbeatIntervalMilliseconds: 1000, heartbeatTimeoutMilliseconds: 10_000,
          maxFrameSize: 1 << 26))
    case 2: return .refused(Refusal(reason: text(), message: text()))
    case 3:
      return .submit(
        (0..<Int.random(in: 0...3, using: &random)).map { _ in TaskEnvelope(id: id, spec: spec()) })
    case 4: return .assign([TaskEnvelope(id: id, spec: spec())])
    case 5:
      return .results(
        (0..<Int.random(in: 0...3, using: &random)).map { _ in
          ResultEnvelope(id: id, result: result())
        })
    case 6: return .cancel([id, id &+ 1])
    case 7: return .handBack([id])
    case 8: return .drain
    case 9: return .retire
    case 10: return .heartbeat
    case 11:
      return .output(
        TaskOutput(id: id, stream: Bool.random(using: &random) ? .stdout : .stderr, bytes: bytes()))
    case 12:
      return .controlRequest(ControlRequest(id: 1, command: text(), arguments: [text(): text()]))
    default:
      return .controlResponse(ControlResponse(id: 2, fields: [text(): text()], error: text()))
    }
  }

  /// The bytes of a fuzz case: a mutated valid frame, several frames, or noise.
  static func input(_ index: Int, using random: inout SeededGenerator) -> [UInt8] {
    var buffer = ByteBuffer()
    switch index % 8 {
    case 7:
      return (0..<Int.random(in: 0...64, using: &random)).map { _ in
        UInt8.random(in: 0...255, using: &random)
      }
    default:
      for _ in 0..<Int.random(in: 1...3, using: &random) {
        MessageEncoder.encode(message(using: &random), into: &buffer)
      }
      let frame = Array(buffer.readableBytesView)
      return index % 8 == 0 ? frame : mutate(frame, using: &random)
    }
  }

  @Test func theWorkerSideDecoderNeverTraps() throws {
    var random = SeededGenerator(seed: Self.seed)
    var decoded = 0
    let cases = try fuzz(budget: Self.budget) { index in
      var buffer = ByteBuffer(bytes: Self.input(index, using: &random))
      var decoder = FrameDecoder(maxFrameSize: 1 << 20, firstFrameLimit: 1 << 20)
      do {
        while let message = try decoder.decodeMessage(from: &buffer) {
          decoded += 1
          // Whatever decodes, re-encodes into a frame that decodes to the same message.
          var again = ByteBuffer()
          MessageEncoder.encode(message, into: &again)
          var check = FrameDecoder(maxFrameSize: 1 << 20, firstFrameLimit: 1 << 20)
          let round = try check.decodeMessage(from: &again)
          #expect(round == message, "seed \(Self.seed) case \(index)")
        }
      } catch is WireError {
      }
    }
    print("s12 fuzz: worker-side decoder, \(cases) cases, \(decoded) messages decoded")
    #expect(cases > 1000)
    #expect(decoded > 100)
  }

  @Test func theSchedulerSideDecoderNeverTraps() throws {
    var random = SeededGenerator(seed: Self.seed &+ 1)
    var decoded = 0
    let cases = try fuzz(budget: Self.budget) { index in
      var buffer = ByteBuffer(bytes: Self.input(index, using: &random))
      var decoder = SchedulerFrameDecoder(maxFrameSize: 1 << 20, firstFrameLimit: 1 << 20)
      do {
        while let inbound = try decoder.decodeInbound(from: &buffer) {
          decoded += 1
          if case .results(let results) = inbound {
            for result in results {
              #expect(result.duration.isFinite && result.duration >= 0)
              #expect(result.duration <= WireProtocol.maxSeconds)
            }
          }
        }
      } catch is WireError {
      }
    }
    print("s12 fuzz: scheduler-side decoder, \(cases) cases, \(decoded) frames decoded")
    #expect(cases > 1000)
    #expect(decoded > 100)
  }
}
