import Logging
import NIOCore
import NIOPosix
import Shoal
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Synchronization
import Testing

let testToken = "test-token-0123456789"

/// Runs `body` with a scheduler listening on a free loopback port; stops it afterwards.
func withScheduler(
  _ configuration: SchedulerConfiguration = SchedulerConfiguration(token: testToken),
  _ body: @Sendable (Scheduler, String, Int) async throws -> Void
) async throws {
  let scheduler = Scheduler(
    configuration: configuration,
    logger: Logger(label: "scheduler", factory: { _ in SwiftLogNoOpLogHandler() }))
  try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await scheduler.run() }
    let address = try await scheduler.listeningAddress()
    let port = Int(address.split(separator: ":").last!)!
    do {
      try await body(scheduler, address, port)
    } catch {
      group.cancelAll()
      throw error
    }
    group.cancelAll()
  }
}

/// A connection that sends raw bytes and collects everything the scheduler answers
/// until it closes the connection.
final class RawPeer: Sendable {
  let channel: any Channel
  let bytes: Mutex<ByteBuffer>

  private init(channel: any Channel) {
    self.channel = channel
    bytes = Mutex(ByteBuffer())
  }

  static func connect(port: Int) async throws -> RawPeer {
    let collector = Collector()
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(CollectHandler(collector: collector))
        }
      }
      .connect(host: "127.0.0.1", port: port).get()
    let peer = RawPeer(channel: channel)
    collector.peer.withLock { $0 = peer }
    return peer
  }

  func send(_ bytes: [UInt8]) async throws {
    try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
  }

  func send(_ message: Message) async throws {
    var buffer = ByteBuffer()
    MessageEncoder.encode(message, into: &buffer)
    try await channel.writeAndFlush(buffer)
  }

  /// Waits until the scheduler closed the connection; returns the messages it sent.
  func messagesUntilClosed(timeout: Duration = .seconds(20)) async throws -> [Message] {
    try await eventually("the scheduler closes the connection", timeout: timeout) {
      !channel.isActive
    }
    var buffer = bytes.withLock { $0 }
    var decoder = FrameDecoder(firstFrameLimit: 1 << 20)
    var messages: [Message] = []
    while let message = try decoder.decodeMessage(from: &buffer) { messages.append(message) }
    return messages
  }

  func close() async { try? await channel.close() }
}

final class Collector: Sendable {
  let peer = Mutex<RawPeer?>(nil)
}

private final class CollectHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  let collector: Collector
  init(collector: Collector) { self.collector = collector }
  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var incoming = unwrapInboundIn(data)
    _ = collector.peer.withLock { $0 }?.bytes.withLock { $0.writeBuffer(&incoming) }
  }
}

/// The hello a well-behaved client sends.
func clientHello(token: String = testToken, version: UInt16 = WireProtocol.version) -> Message {
  .hello(Hello(version: version, role: .client, name: "raw", token: token))
}

func echo(_ text: String) -> TaskSpec { .shell("echo", [text]) }

func text(_ result: TaskResult) -> String { String(decoding: result.output, as: UTF8.self) }
