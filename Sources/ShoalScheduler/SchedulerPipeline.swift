import Logging
import NIOCore
import ShoalWire

/// A scheduler core on a loop the caller drives, and the handlers of its connections:
/// for this package's drivers that bring their own loop and channels (the hot-path
/// benchmark's `EmbeddedScheduler`, in `shoal-hotpath`), so that this module does not
/// link NIOEmbedded. Control requests (`shoal ps`, scale) are not served.
package struct SchedulerPipeline {
  private let core: SchedulerCore
  private let maxFrameSize: Int

  /// A core with `configuration` on `loop`; logging is off.
  package init(configuration: SchedulerConfiguration, loop: any EventLoop) {
    let (_, continuation) = AsyncStream.makeStream(of: PendingControlRequest.self)
    core = SchedulerCore(
      configuration: configuration,
      logger: Logger(label: "shoal.embedded", factory: { _ in SwiftLogNoOpLogHandler() }),
      loop: loop, controlRequests: continuation)
    maxFrameSize = configuration.maxFrameSize
  }

  /// Adds a connection's handlers, as `Scheduler` adds them to a TCP connection.
  package func addHandlers(to handlers: ChannelPipeline.SynchronousOperations) throws {
    try handlers.addHandler(ByteToMessageHandler(SchedulerFrameDecoder(maxFrameSize: maxFrameSize)))
    try handlers.addHandler(MessageToByteHandler(SchedulerFrameEncoder()))
    try handlers.addHandler(PeerHandler(core: core))
  }
}
