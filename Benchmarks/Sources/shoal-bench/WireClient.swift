import NIOCore
import NIOPosix
import ShoalWire

/// A minimal client that speaks the Shoal protocol directly: submit batches of
/// tasks, receive results. The benchmark uses it where the client itself must not
/// be what is measured (a million queued tasks); see docs/benchmarks.md.
final class WireClient: Sendable {
  private let channel: NIOAsyncChannel<Message, Message>

  private init(channel: NIOAsyncChannel<Message, Message>) {
    self.channel = channel
  }

  /// Connects as a `client` peer and waits for the welcome; retries while the
  /// scheduler is not listening yet, up to `timeout`.
  static func connect(host: String, port: Int, token: String, timeout: Duration = .seconds(30))
    async throws -> WireClient
  {
    let deadline = ContinuousClock.now + timeout
    while true {
      do {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
          .channelOption(.socketOption(.tcp_nodelay), value: 1)
          .connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
              try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(FrameDecoder(maxFrameSize: WireProtocol.defaultMaxFrameSize)))
              try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MessageEncoder()))
              return try NIOAsyncChannel<Message, Message>(wrappingChannelSynchronously: channel)
            }
          }
        return WireClient(channel: channel)
      } catch {
        if ContinuousClock.now > deadline { throw error }
        try await Task.sleep(for: .milliseconds(5))
      }
    }
  }

  /// Runs the connection: hello, then `body` with a session; heartbeats go out
  /// meanwhile. The connection closes when `body` returns.
  func run<T: Sendable>(
    token: String, name: String = "bench",
    _ body: @Sendable (Session) async throws -> T
  ) async throws -> T {
    try await channel.executeThenClose { inbound, outbound in
      try await outbound.write(.hello(Hello(role: .client, name: name, token: token)))
      let reader = Reader(inbound.makeAsyncIterator())
      guard let first = try await reader.next() else {
        throw BenchError("the scheduler closed the connection during the handshake")
      }
      guard case .welcome = first else { throw BenchError("refused: \(first)") }
      return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
          // Heartbeats, so that a long wait for results never looks like silence.
          while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(500))
            try await outbound.write(.heartbeat)
          }
          return nil
        }
        let value = try await body(Session(outbound: outbound, reader: reader))
        group.cancelAll()
        return value
      }
    }
  }

  /// The inbound messages; read by one task at a time (the session's).
  final class Reader: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<Message>.AsyncIterator
    init(_ iterator: NIOAsyncChannelInboundStream<Message>.AsyncIterator) {
      self.iterator = iterator
    }
    func next() async throws -> Message? { try await iterator.next() }

    /// The next batch of results, nil when the connection closed.
    func nextResults() async throws -> [ResultEnvelope]? {
      while let message = try await next() {
        if case .results(let batch) = message { return batch }
        if case .refused(let refusal) = message { throw BenchError("closed: \(refusal)") }
      }
      return nil
    }
  }

  /// What a connected client can do.
  struct Session: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<Message>
    let reader: Reader

    /// Sends `envelopes`, packed into frames of about 1 MiB.
    func submit(_ envelopes: [TaskEnvelope]) async throws {
      for batch in wireBatches(envelopes, size: { $0.spec.estimatedWireSize + 8 }) {
        try await outbound.write(.submit(batch))
      }
    }

    /// Waits for `count` results; calls `each` on every batch as it comes.
    func wait(for count: Int, each: (([ResultEnvelope]) -> Void)? = nil) async throws {
      var received = 0
      while received < count {
        guard let batch = try await reader.nextResults() else {
          throw BenchError("connection closed after \(received) of \(count) results")
        }
        each?(batch)
        received += batch.count
      }
    }
  }
}

/// The specs of the built-in worker tasks (library `Builtin`).
enum BuiltinCall {
  static func call(_ name: String, input: String, type: String = "Swift.Int") -> TaskSpec {
    TaskSpec(
      .swift(
        SwiftTaskCall(
          library: "Builtin", name: name, inputType: type, outputType: type,
          input: Array(input.utf8))))
  }
  static let noop = call("noop", input: "0")
  static func sleep(milliseconds: Int) -> TaskSpec { call("sleep", input: "\(milliseconds)") }
  /// Echo of `text` (bytes that need no JSON escape; its JSON is 2 bytes more).
  static func echo(text: [UInt8]) -> TaskSpec {
    TaskSpec(
      .swift(
        SwiftTaskCall(
          library: "Builtin", name: "echo", inputType: "Swift.String", outputType: "Swift.String",
          input: [UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")])))
  }
}
