import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on loopback that can play a network that silently drops everything:
/// while frozen, bytes and closes are swallowed (neither end hears anything) and new
/// connections are refused by closing them at once.
final class FreezableProxy: Sendable {
  let port: Int
  private let server: any Channel
  private let state: ProxyState

  private init(server: any Channel, state: ProxyState) {
    self.server = server
    self.state = state
    port = server.localAddress!.port!
  }

  /// A proxy on a free loopback port, forwarding to `127.0.0.1:upstreamPort`.
  static func start(upstreamPort: Int) async throws -> FreezableProxy {
    let state = ProxyState()
    let group = MultiThreadedEventLoopGroup.singleton
    let server = try await ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { inbound in
        guard !state.frozen.load(ordering: .relaxed) else { return inbound.close() }
        return ClientBootstrap(group: inbound.eventLoop)
          .connect(host: "127.0.0.1", port: upstreamPort)
          .flatMap { outbound in
            let toUpstream = Forward(partner: outbound, state: state)
            let toClient = Forward(partner: inbound, state: state)
            // The child channel is registered (and starts reading) only once this
            // future completes, so nothing is read before both handlers are in place.
            return inbound.pipeline.addHandler(toUpstream).flatMap {
              outbound.pipeline.addHandler(toClient)
            }
          }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    return FreezableProxy(server: server, state: state)
  }

  /// `tcp://127.0.0.1:PORT`.
  var address: String { "tcp://127.0.0.1:\(port)" }

  /// Drops everything from now on.
  func freeze() { state.frozen.store(true, ordering: .relaxed) }

  /// Forwards again (connections made while frozen stay dead).
  func thaw() { state.frozen.store(false, ordering: .relaxed) }

  func close() { server.close(promise: nil) }
}

private final class ProxyState: Sendable {
  let frozen = Atomic<Bool>(false)
}

private final class Forward: ChannelInboundHandler, Sendable {
  typealias InboundIn = ByteBuffer
  let partner: any Channel
  let state: ProxyState
  /// Set once the proxy froze while this pair was open: it never forwards again.
  let dead = Atomic<Bool>(false)

  init(partner: any Channel, state: ProxyState) {
    self.partner = partner
    self.state = state
  }

  private var forwarding: Bool {
    if state.frozen.load(ordering: .relaxed) { dead.store(true, ordering: .relaxed) }
    return !dead.load(ordering: .relaxed)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if forwarding { partner.writeAndFlush(Self.unwrapInboundIn(data), promise: nil) }
  }

  func channelInactive(context: ChannelHandlerContext) {
    if forwarding { partner.close(promise: nil) }
  }
}
