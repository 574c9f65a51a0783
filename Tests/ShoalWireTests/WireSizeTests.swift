import NIOCore
import Testing

@testable import ShoalWire

/// The hot messages are written into memory reserved for exactly `wireSize` bytes
/// (WireCursors.swift): the computed size must match what the codec writes.
@Suite struct WireSizeTests {
  static let specs: [TaskSpec] = [
    shellSpec, swiftSpec, .shell("true"), .shell(""),
    .shell("printf", ["", "ü", "a b"], environment: [:], workingDirectory: "", stdin: []),
    TaskSpec(shellSpec.kind, timeout: .seconds(2), streamsOutput: true),
    TaskSpec(
      .swift(
        SwiftTaskCall(library: "", name: "", inputType: "", outputType: "", input: [])),
      timeout: .nanoseconds(1)),
  ]
  static let results: [TaskResult] = [
    fullResult, TaskResult(status: .succeeded),
    TaskResult(status: .cancelled, output: [], errorOutput: [], message: "", worker: ""),
    TaskResult(status: .succeeded, output: Array("0".utf8), worker: "w0", duration: 1e-5),
  ]

  @Test(arguments: specs)
  func aSpecTakesExactlyItsWireSize(_ spec: TaskSpec) throws {
    var buffer = ByteBuffer()
    buffer.writeTaskSpec(spec)
    #expect(buffer.readableBytes == spec.wireSize)
    #expect(try buffer.readTaskSpec() == spec)
    #expect(buffer.readableBytes == 0)
  }

  @Test(arguments: results)
  func aResultTakesExactlyItsWireSize(_ result: TaskResult) throws {
    var buffer = ByteBuffer()
    buffer.writeTaskResult(result)
    #expect(buffer.readableBytes == result.wireSize)
    #expect(try buffer.readTaskResult() == result)
    #expect(buffer.readableBytes == 0)
  }

  @Test func aBatchRoundTripsThroughOneReservedWrite() throws {
    let tasks = Self.specs.enumerated().map {
      TaskEnvelope(id: UInt64($0.offset), spec: $0.element)
    }
    let results = Self.results.enumerated().map {
      ResultEnvelope(id: UInt64($0.offset), result: $0.element)
    }
    for message in [Message.submit(tasks), .assign(tasks), .results(results)] {
      #expect(try roundTrip(message) == message)
    }
  }

  @Test func aTruncatedSpecIsMalformed() {
    var buffer = ByteBuffer()
    buffer.writeTaskSpec(shellSpec)
    var cut = buffer.getSlice(at: 0, length: buffer.readableBytes - 1)!
    #expect(throws: WireError(.malformed, "")) { try cut.readTaskSpec() }
  }
}
