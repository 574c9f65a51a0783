import NIOCore
import ShoalWire

/// The last handler of every scheduler connection: feeds decoded messages into the
/// scheduler's core, on the core's event loop. Each connection's errors stay its own.
final class PeerHandler: ChannelInboundHandler {
  typealias InboundIn = SchedulerInbound
  typealias OutboundOut = SchedulerOutbound

  private let core: SchedulerCore
  private var peer: Peer?

  init(core: SchedulerCore) { self.core = core }

  func channelActive(context: ChannelHandlerContext) {
    if core.shuttingDown {
      context.close(promise: nil)
      return
    }
    peer = core.connected(context)
    context.fireChannelActive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard let peer else { return }
    core.received(unwrapInboundIn(data), from: peer)
  }

  func channelInactive(context: ChannelHandlerContext) {
    if let peer {
      core.disconnected(peer)
      self.peer = nil
    }
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let peer {
      core.protocolError(error, from: peer)
    } else {
      context.close(promise: nil)
    }
  }
}
