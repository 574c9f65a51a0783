import NIOCore
import NIOEmbedded
import ShoalScheduler

/// The scheduler's core on an `EmbeddedEventLoop`: connections are `EmbeddedChannel`s
/// with the same handlers as real ones, and nothing runs until `run()`. One thread,
/// no sockets, no timers firing on their own: deterministic, for the instruction-count
/// benchmark. It lives here, beside its only user, so that ShoalScheduler does not
/// link NIOEmbedded in production.
final class EmbeddedScheduler {
  /// The loop every connection runs on.
  let loop: EmbeddedEventLoop
  private let pipeline: SchedulerPipeline
  private var connections = 0

  /// A scheduler core with the default configuration and `token`; logging is off.
  init(token: String) {
    let loop = EmbeddedEventLoop()
    self.loop = loop
    pipeline = SchedulerPipeline(configuration: SchedulerConfiguration(token: token), loop: loop)
  }

  /// A new connection: write frames into it with `writeInbound(ByteBuffer)`, read the
  /// scheduler's frames with `readOutbound(as: ByteBuffer.self)`.
  func connect() throws -> EmbeddedChannel {
    let channel = EmbeddedChannel(loop: loop)
    try pipeline.addHandlers(to: channel.pipeline.syncOperations)
    connections += 1
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000 + connections))
      .wait()
    return channel
  }

  /// Runs everything the loop has to do now (flushes, assignment passes).
  func run() { loop.run() }
}
