import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on loopback that can play a network that silently drops everything:
/// while frozen, bytes and closes are swallowed (neither end hears anything) and new
/// connections are refused by closing them at once. It also keeps a copy of every
/// byte it forwards, both ways: a capture of the traffic for the TLS tests.
public final class FreezableProxy: Sendable {
  /// The port it listens on.
  public let port: Int
  private let server: any Channel
  private let state: ProxyState

  private init(server: any Channel, state: ProxyState) {
    self.server = server
    self.state = state
    port = server.localAddress!.port!
  }

  /// A proxy on a free port of `host` (loopback by default), forwarding to
  /// `upstreamHost:upstreamPort`.
  public static func start(
    upstreamPort: Int, upstreamHost: String = "127.0.0.1", host: String = "127.0.0.1"
  ) async throws -> FreezableProxy {
    let state = ProxyState()
    let group = MultiThreadedEventLoopGroup.singleton
    let server = try await ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { inbound in
        guard !state.frozen.load(ordering: .relaxed) else { return inbound.close() }
        return ClientBootstrap(group: inbound.eventLoop)
          .connect(host: upstreamHost, port: upstreamPort)
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
      .bind(host: host, port: 0).get()
    return FreezableProxy(server: server, state: state)
  }

  /// `tcp://127.0.0.1:PORT`.
  public var address: String { "tcp://127.0.0.1:\(port)" }

  /// Drops everything from now on.
  public func freeze() { state.frozen.store(true, ordering: .relaxed) }

  /// Forwards again (connections made while frozen stay dead).
  public func thaw() { state.frozen.store(false, ordering: .relaxed) }

  public func close() { server.close(promise: nil) }

  /// Every byte forwarded so far, both directions interleaved.
  public var captured: [UInt8] { state.captured.withLock { $0 } }
}

private final class ProxyState: Sendable {
  let frozen = Atomic<Bool>(false)
  let captured = Mutex<[UInt8]>([])
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
    guard forwarding else { return }
    let buffer = Self.unwrapInboundIn(data)
    state.captured.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    partner.writeAndFlush(buffer, promise: nil)
  }

  func channelInactive(context: ChannelHandlerContext) {
    if forwarding { partner.close(promise: nil) }
  }
}

extension Array where Element == UInt8 {
  /// Whether the bytes hold `text` (UTF-8) anywhere: for checks on a capture.
  public func containsText(_ text: String) -> Bool {
    let pattern = Array(text.utf8)
    guard !pattern.isEmpty, count >= pattern.count else { return pattern.isEmpty }
    for start in 0...(count - pattern.count)
    where self[start..<(start + pattern.count)].elementsEqual(pattern) {
      return true
    }
    return false
  }
}
