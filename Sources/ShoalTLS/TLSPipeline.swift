import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import NIOTLS

/// A scheduler's TLS context, made once and shared by every connection; empty for
/// plain TCP.
public struct ServerTLSContext: Sendable {
  let context: NIOSSLContext?

  /// Plain TCP.
  public static let plain = ServerTLSContext(context: nil)

  /// Adds the server side of TLS first in `pipeline` (nothing for plain TCP).
  public func addHandler(to pipeline: ChannelPipeline.SynchronousOperations) throws {
    guard let context else { return }
    try pipeline.addHandler(NIOSSLServerHandler(context: context))
  }
}

/// A client's (or worker's) TLS context; empty for plain TCP.
public struct ClientTLSContext: Sendable {
  let context: NIOSSLContext?

  /// Plain TCP.
  public static let plain = ClientTLSContext(context: nil)

  /// Whether connections use TLS.
  public var isEnabled: Bool { context != nil }

  /// Adds the client side of TLS first in `pipeline` and returns a future that
  /// succeeds once the handshake is done and the other end proved to be a scheduler
  /// of the cluster's CA (at once for plain TCP). Send nothing (the hello carries the
  /// token) before it succeeds.
  /// A handshake not done within `timeout` closes the connection.
  public func addHandlers(
    to pipeline: ChannelPipeline.SynchronousOperations, eventLoop: any EventLoop,
    timeout: TimeAmount = .seconds(10)
  ) throws -> EventLoopFuture<Void> {
    guard let context else { return eventLoop.makeSucceededVoidFuture() }
    let check = SchedulerCertificateCheck(
      promise: eventLoop.makePromise(of: Void.self), timeout: timeout)
    try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
    try pipeline.addHandler(check)
    return check.promise.futureResult
  }
}

/// The role of the certificate the other end of a connection presented.
public enum TLSPipeline {
  /// What the other end of a connection proved with its certificate.
  public enum PeerIdentity: Sendable, Equatable {
    /// No TLS on this connection.
    case plain
    /// A certificate of the CA, marked with a role.
    case role(CertificateRole)
    /// A certificate of the CA without a Shoal role marker (the user's own PKI).
    case unmarked
  }

  /// The identity the peer of `pipeline` proved; call after the TLS handshake (any
  /// message received over TLS comes after it).
  public static func peerIdentity(of pipeline: ChannelPipeline.SynchronousOperations)
    -> PeerIdentity
  {
    guard let handler = try? pipeline.handler(type: NIOSSLHandler.self) else { return .plain }
    guard let certificate = handler.peerCertificate else { return .unmarked }
    return CertificateRole.marked(in: certificate).map { .role($0) } ?? .unmarked
  }
}

/// Fails the connection when the server's certificate is marked with a role other
/// than `scheduler` (a worker's certificate cannot stand in for the scheduler).
final class SchedulerCertificateCheck: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = NIOAny
  let promise: EventLoopPromise<Void>
  let timeout: TimeAmount
  private var done = false
  private var timer: Scheduled<Void>?

  init(promise: EventLoopPromise<Void>, timeout: TimeAmount) {
    self.promise = promise
    self.timeout = timeout
  }

  func handlerAdded(context: ChannelHandlerContext) {
    let channel = context.channel
    let seconds = timeout.nanoseconds / 1_000_000_000
    timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
      self.complete(.failure(TLSError("no TLS handshake within \(seconds) s")))
      channel.close(promise: nil)
    }
  }

  private func complete(_ result: Result<Void, any Error>) {
    guard !done else { return }
    done = true
    timer?.cancel()
    promise.completeWith(result)
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
      switch TLSPipeline.peerIdentity(of: context.pipeline.syncOperations) {
      case .role(let role) where role != .scheduler:
        let error = TLSError(
          "the server presented a \(role) certificate, not the scheduler's",
          hint: "something other than the cluster's scheduler answers at this address")
        complete(.failure(error))
        context.fireErrorCaught(error)
        context.close(promise: nil)
        return
      default:
        complete(.success(()))
      }
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    complete(.failure(error))
    context.fireErrorCaught(error)
  }

  func channelInactive(context: ChannelHandlerContext) {
    complete(.failure(TLSError("the connection closed during the TLS handshake")))
    context.fireChannelInactive()
  }
}

/// Hands the handshake future out of a channel initializer (which runs on the event
/// loop) to the code that awaits the connection.
public final class HandshakeFuture: Sendable {
  private let value = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)

  /// An empty box.
  public init() {}

  /// Stores the future.
  public func set(_ future: EventLoopFuture<Void>) { value.withLockedValue { $0 = future } }

  /// Waits for the stored future (at once when none was stored).
  public func wait() async throws { try await value.withLockedValue { $0 }?.get() }
}
