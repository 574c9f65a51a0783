import NIOCore
import NIOEmbedded
import ShoalWire

/// The scheduler's hot path, in one thread, with no sockets: a client submits no-op
/// Swift tasks in batches, the scheduler assigns them to two workers (1 slot each,
/// with prefetch), the workers answer with results, the scheduler routes the results
/// back to the client. Every byte goes through the real frame decoder, message
/// encoder, peer handler and scheduler core, on an `EmbeddedEventLoop`.
///
/// Deterministic by construction, so that callgrind's instruction count is a
/// regression guard that does not flake (see `Benchmarks/hotpath-guard`).
struct HotPath {
  let scheduler: EmbeddedScheduler
  let client: EmbeddedChannel
  let workers: [EmbeddedChannel]
  var nextID: UInt64 = 1
  var decoder = FrameDecoder(maxFrameSize: WireProtocol.defaultMaxFrameSize)
  let spec: TaskSpec
  let result: TaskResult

  init(workers count: Int) throws {
    let token = "hotpath-token"
    scheduler = EmbeddedScheduler(token: token)
    client = try scheduler.connect()
    var workers: [EmbeddedChannel] = []
    for index in 0..<count {
      workers.append(try scheduler.connect())
      try Self.send(
        .hello(Hello(role: .worker, name: "w\(index)", slots: 1, token: token)), to: workers[index])
    }
    self.workers = workers
    try Self.send(.hello(Hello(role: .client, name: "client", token: token)), to: client)
    scheduler.run()
    spec = TaskSpec(
      .swift(
        SwiftTaskCall(
          library: "Builtin", name: "noop", inputType: "Swift.Int", outputType: "Swift.Int",
          input: Array("0".utf8))))
    result = TaskResult(
      status: .succeeded, output: Array("0".utf8), worker: "w0", duration: 0.00001)
    _ = try drain(client)
    for worker in workers { _ = try drain(worker) }
  }

  /// Submits `count` tasks in batches of `batch`, runs them all to completion;
  /// returns the number of results the client received.
  mutating func run(tasks count: Int, batch: Int) throws -> Int {
    var submitted = 0
    var received = 0
    while received < count {
      if submitted < count {
        let size = min(batch, count - submitted)
        var envelopes: [TaskEnvelope] = []
        envelopes.reserveCapacity(size)
        for _ in 0..<size {
          envelopes.append(TaskEnvelope(id: nextID, spec: spec))
          nextID += 1
        }
        submitted += size
        try Self.send(.submit(envelopes), to: client)
        scheduler.run()
      }
      var answered = false
      for worker in workers {
        for message in try drain(worker) {
          guard case .assign(let tasks) = message else { continue }
          let results = tasks.map { ResultEnvelope(id: $0.id, result: result) }
          try Self.send(.results(results), to: worker)
          answered = true
        }
      }
      scheduler.run()
      for message in try drain(client) {
        if case .results(let results) = message { received += results.count }
      }
      if !answered && submitted >= count && received < count {
        throw HotPathError("stalled at \(received) of \(count) results")
      }
    }
    return received
  }

  static func send(_ message: Message, to channel: EmbeddedChannel) throws {
    var buffer = channel.allocator.buffer(capacity: 256)
    MessageEncoder.encode(message, into: &buffer)
    try channel.writeInbound(buffer)
  }

  /// Every message the scheduler wrote to `channel` so far.
  mutating func drain(_ channel: EmbeddedChannel) throws -> [Message] {
    var messages: [Message] = []
    while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
      while let message = try decoder.decodeMessage(from: &buffer) { messages.append(message) }
    }
    return messages
  }
}

struct HotPathError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
