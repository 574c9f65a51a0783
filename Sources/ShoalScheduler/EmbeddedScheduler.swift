import Logging
import NIOCore
import NIOEmbedded
import ShoalWire

/// The scheduler's core on an `EmbeddedEventLoop`: connections are `EmbeddedChannel`s
/// with the same handlers as real ones, and nothing runs until `run()`. One thread,
/// no sockets, no timers firing on their own: deterministic, for the instruction-count
/// benchmark (`Benchmarks/Sources/shoal-hotpath`) and tests of the core.
@_spi(Benchmarks)
public final class EmbeddedScheduler {
  /// The loop every connection runs on.
  public let loop = EmbeddedEventLoop()
  private let core: SchedulerCore
  private let maxFrameSize: Int
  private var connections = 0

  /// A scheduler core with the default configuration and `token`; logging is off.
  public init(token: String) {
    let configuration = SchedulerConfiguration(token: token)
    maxFrameSize = configuration.maxFrameSize
    let (_, continuation) = AsyncStream.makeStream(of: PendingControlRequest.self)
    core = SchedulerCore(
      configuration: configuration,
      logger: Logger(label: "shoal.embedded", factory: { _ in SwiftLogNoOpLogHandler() }),
      loop: loop, controlRequests: continuation)
  }

  /// A new connection: write frames into it with `writeInbound(ByteBuffer)`, read the
  /// scheduler's frames with `readOutbound(as: ByteBuffer.self)`.
  public func connect() throws -> EmbeddedChannel {
    let channel = EmbeddedChannel(loop: loop)
    let handlers = channel.pipeline.syncOperations
    try handlers.addHandler(ByteToMessageHandler(SchedulerFrameDecoder(maxFrameSize: maxFrameSize)))
    try handlers.addHandler(MessageToByteHandler(SchedulerFrameEncoder()))
    try handlers.addHandler(PeerHandler(core: core))
    connections += 1
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000 + connections))
      .wait()
    return channel
  }

  /// Runs everything the loop has to do now (flushes, assignment passes).
  public func run() { loop.run() }
}
