import NIOCore
import ShoalWire
import Testing

/// Resources in the worker hello and the task spec: round trips, the forwarded field,
/// and hostile encodings refused.
@Suite struct ResourceWireTests {
  static let gpu = try! ResourceSet(parsing: "gpu=1,memory=16G")

  @Test func parsesAndPrintsResourceLists() throws {
    let set = try ResourceSet(parsing: " memory = 16Gi, gpu:1 ,scratch=0.5")
    #expect(set.description == "gpu=1,memory=16G,scratch=0.5")
    #expect(set.amount("memory") == Int64(16) << 30 * 1000)
    #expect(try ResourceSet(parsing: "").isEmpty)
    #expect(try ResourceSet(parsing: "m=512M").description == "m=512M")
    #expect(try ResourceSet(parsing: "m=1TB").description == "m=1T")
    #expect(try ResourceSet(parsing: "gpu=0").isEmpty)
    for bad in ["gpu", "gpu=x", "gpu=-1", "1gpu=1", "g pu=1", "gpu=1,gpu=2", "=1", "gpu=1e300"] {
      #expect(throws: ResourceError.self, "`\(bad)`") { try ResourceSet(parsing: bad) }
    }
    let many = (0...ResourceSet.maxCount).map { "r\($0)=1" }.joined(separator: ",")
    #expect(throws: ResourceError.self) { try ResourceSet(parsing: many) }
    let long = String(repeating: "a", count: ResourceSet.maxNameLength + 1) + "=1"
    #expect(throws: ResourceError.self) { try ResourceSet(parsing: long) }
  }

  @Test func coversSubtractsAndAdds() throws {
    var free = try ResourceSet(parsing: "cpu=4,gpu=1")
    let task = try ResourceSet(parsing: "gpu=1,cpu=2")
    #expect(free.covers(task))
    #expect(!free.covers(try ResourceSet(parsing: "gpu=2")))
    #expect(free.shortfall(try ResourceSet(parsing: "tpu=1,cpu=1")) == ["tpu"])
    free.subtract(task)
    #expect(free.description == "cpu=2")
    #expect(!free.covers(task))
    free.add(task)
    #expect(free == (try ResourceSet(parsing: "cpu=4,gpu=1")))
    #expect(free.covers(ResourceSet()))
  }

  @Test func roundTripsHellosAndSpecsWithResources() throws {
    let hello = Message.hello(
      Hello(role: .worker, name: "w", slots: 2, token: "t", resources: Self.gpu))
    #expect(try roundTrip(hello) == hello)
    var spec = shellSpec
    spec.resources = Self.gpu
    let submit = Message.submit([TaskEnvelope(id: 1, spec: spec)])
    #expect(try roundTrip(submit) == submit)
    var swift = swiftSpec
    swift.resources = try ResourceSet(parsing: "special=1")
    let assign = Message.assign([TaskEnvelope(id: 2, spec: swift)])
    #expect(try roundTrip(assign) == assign)
  }

  @Test func aSpecOrHelloWithoutResourcesEncodesAsBefore() throws {
    var plain = ByteBuffer()
    plain.writeTaskSpec(.shell("true"))
    #expect(plain.readableBytesView.first == 0)
    var withResources = ByteBuffer()
    var spec = TaskSpec.shell("true")
    spec.resources = Self.gpu
    withResources.writeTaskSpec(spec)
    #expect(withResources.readableBytesView.first == 4)
    #expect(withResources.readableBytes > plain.readableBytes)
    // A hello without resources ends at the token, as before.
    var old = ByteBuffer()
    Message.hello(Hello(role: .worker, name: "w", slots: 1, token: "t")).write(to: &old)
    #expect(old.readableBytes == 1 + 4 + 2 + 1 + 4 + (4 + 1) + (4 + 1))
  }

  @Test func theSchedulerReadsTheResourcesOfForwardedSpecs() throws {
    var needy = TaskSpec.shell("true")
    needy.resources = Self.gpu
    var buffer = ByteBuffer()
    MessageEncoder.encode(
      .submit([TaskEnvelope(id: 1, spec: needy), TaskEnvelope(id: 2, spec: .shell("true"))]),
      into: &buffer)
    var decoder = SchedulerFrameDecoder(firstFrameLimit: 1 << 20)
    guard case .submit(let tasks)? = try decoder.decodeInbound(from: &buffer) else {
      Issue.record("expected a submit")
      return
    }
    #expect(tasks.map(\.resources) == [Self.gpu, nil])
  }

  /// A hello whose resources are `section` (raw bytes after the token).
  func hello(resources section: [UInt8]) -> ByteBuffer {
    var buffer = ByteBuffer()
    Message.hello(Hello(role: .worker, name: "w", slots: 1, token: "t")).write(to: &buffer)
    buffer.writeBytes(section)
    return buffer
  }

  func entry(_ name: String, _ milli: Int64) -> [UInt8] {
    var buffer = ByteBuffer()
    buffer.writeInteger(UInt32(name.utf8.count))
    buffer.writeString(name)
    buffer.writeInteger(milli)
    return Array(buffer.readableBytesView)
  }

  @Test func hostileResourceSectionsAreRefused() throws {
    let cases: [(String, [UInt8])] = [
      (
        "too many",
        [UInt8(ResourceSet.maxCount + 1)]
          + (0...ResourceSet.maxCount).flatMap { entry("r\(String(format: "%02d", $0))", 1000) }
      ),
      ("count beyond the bytes", [3] + entry("a", 1000)),
      ("out of order", [2] + entry("b", 1000) + entry("a", 1000)),
      ("repeated", [2] + entry("a", 1000) + entry("a", 1000)),
      ("zero amount", [1] + entry("a", 0)),
      ("negative amount", [1] + entry("a", -1000)),
      ("huge amount", [1] + entry("a", Int64.max)),
      ("bad name", [1] + entry("1a", 1000)),
      ("empty name", [1] + entry("", 1000)),
      ("long name", [1] + entry(String(repeating: "a", count: 65), 1000)),
      ("name length beyond the frame", [1, 0xFF, 0xFF, 0xFF, 0xFF]),
      ("trailing bytes", [1] + entry("a", 1000) + [0]),
    ]
    for (label, section) in cases {
      var buffer = hello(resources: section)
      #expect(throws: WireError.self, "\(label)") {
        _ = try Message.read(from: &buffer)
        if buffer.readableBytes > 0 { throw WireError(.malformed, "unread bytes") }
      }
    }
    // The same checks guard a spec's resources on the scheduler's forwarding path.
    var spec = ByteBuffer()
    spec.writeInteger(UInt8(4))
    spec.writeBytes([2] + entry("b", 1000) + entry("a", 1000))
    spec.writeTaskSpec(.shell("true"))
    #expect(throws: WireError.self) { try spec.readTaskSpec() }
  }
}
