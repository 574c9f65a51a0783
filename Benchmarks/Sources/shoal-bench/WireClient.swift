import NIOCore
import NIOPosix
import ShoalWire

/// A minimal client that speaks the Shoal protocol directly: submit batches of
/// tasks, receive results. The benchmark uses it where the client itself must not
/// be what is measured (a million queued tasks); see docs/benchmarks.md.
final class WireClient: Sendable {
  private let channel: NIOAsyncChannel<Message, Message>
  private let results: AsyncStream<[ResultEnvelope]>
  private let resultsContinuation: AsyncStream<[ResultEnvelope]>.Continuation

  private init(channel: NIOAsyncChannel<Message, Message>) {
    self.channel = channel
    (results, resultsContinuation) = AsyncStream.makeStream(of: [ResultEnvelope].self)
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

  /// Runs the connection: hello, then forwards every result batch to `results`.
  /// Call `body` once welcomed; the connection closes when it returns.
  func run<T: Sendable>(
    token: String, name: String = "bench",
    _ body: @Sendable (Session) async throws -> T
  ) async throws -> T {
    try await channel.executeThenClose { inbound, outbound in
      try await outbound.write(.hello(Hello(role: .client, name: name, token: token)))
      var iterator = inbound.makeAsyncIterator()
      guard let first = try await iterator.next() else {
        throw BenchError("the scheduler closed the connection during the handshake")
      }
      guard case .welcome = first else { throw BenchError("refused: \(first)") }
      let continuation = resultsContinuation
      return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
          while let message = try await iterator.next() {
            if case .results(let batch) = message { continuation.yield(batch) }
            if case .refused(let refusal) = message { throw BenchError("closed: \(refusal)") }
          }
          continuation.finish()
          return nil
        }
        group.addTask {
          // Heartbeats, so that a long wait for results never looks like silence.
          while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(500))
            try await outbound.write(.heartbeat)
          }
          return nil
        }
        let value = try await body(Session(outbound: outbound, results: results))
        group.cancelAll()
        return value
      }
    }
  }

  /// What a connected client can do.
  struct Session: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<Message>
    let results: AsyncStream<[ResultEnvelope]>

    /// Sends `envelopes`, packed into frames of about 1 MiB.
    func submit(_ envelopes: [TaskEnvelope]) async throws {
      for batch in wireBatches(envelopes, size: { $0.spec.estimatedWireSize + 8 }) {
        try await outbound.write(.submit(batch))
      }
    }

    /// Waits for `count` results; calls `each` on every batch as it comes.
    func wait(for count: Int, each: (([ResultEnvelope]) -> Void)? = nil) async throws {
      var received = 0
      for await batch in results {
        each?(batch)
        received += batch.count
        if received >= count { return }
      }
      throw BenchError("connection closed after \(received) of \(count) results")
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
  /// Echo of a string of `size` ASCII letters (its JSON is `size + 2` bytes).
  static func echo(size: Int) -> TaskSpec {
    call("echo", input: "\"" + String(repeating: "x", count: size) + "\"", type: "Swift.String")
  }
}
