import Foundation
import NIOCore
import NIOPosix
import ShoalCore
import ShoalTLS
import ShoalWire

/// A handshaken connection to a scheduler, shared by `Executor` and (in the `Shoal`
/// module) `ControlClient`. Messages after the welcome go to `onMessage` on the
/// connection's event loop; heartbeats are sent at the interval the scheduler asked for.
package struct SchedulerConnection: Sendable {
  package let channel: any Channel
  package let welcome: Welcome
  package let address: SchedulerAddress
  /// Why the connection closed, once it did (a refusal's message, or a plain close).
  package let closeReason: NIOLoopBoundBox<String?>
  /// The connection's event loop, as a Task executor.
  package var executor: EventLoopExecutor { EventLoopExecutor(channel.eventLoop) }

  package static func open(
    address text: String, token: String, tls settings: TLSSettings, role: PeerRole, name: String,
    timeout: Duration,
    onMessage: @escaping @Sendable (Message) -> Void,
    onClose: @escaping @Sendable (ShoalError) -> Void
  ) async throws -> SchedulerConnection {
    let address = try SchedulerAddress(parsing: text)
    let tls: ClientTLSContext
    do {
      tls = try settings.makeClientContext()
    } catch {
      throw ShoalError(.invalidValue, "cannot use the client's TLS credentials: \(error)")
    }
    let group = MultiThreadedEventLoopGroup.singleton
    let loop = group.next()
    let welcomePromise = loop.makePromise(of: Welcome.self)
    let reason = NIOLoopBoundBox<String?>.makeBoxSendingValue(nil, eventLoop: loop)
    let timeoutAmount = TimeAmount.nanoseconds(Int64(timeout.secondsValue * 1e9))
    let channel: any Channel
    let verified = HandshakeFuture()
    do {
      channel = try await ClientBootstrap(group: loop)
        .connectTimeout(timeoutAmount)
        .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            let handlers = channel.pipeline.syncOperations
            let handshake = try tls.addHandlers(
              to: handlers, eventLoop: channel.eventLoop, timeout: timeoutAmount)
            verified.set(handshake)
            try handlers.addHandler(ByteToMessageHandler(ClientFrameDecoder()))
            try handlers.addHandler(MessageToByteHandler(MessageEncoder()))
            try handlers.addHandler(
              ConnectionHandler(
                address: address, welcome: welcomePromise, reason: reason, onMessage: onMessage,
                onClose: onClose))
          }
        }
        .connect(host: address.host, port: address.port).get()
    } catch {
      let failure = ShoalError(
        .connectionFailed, "no scheduler answers at \(address): \(Self.describe(error))",
        hint: "check the address, or start one with `shoal scheduler`")
      welcomePromise.fail(failure)
      throw failure
    }
    do {
      try await verified.wait()
    } catch {
      channel.close(promise: nil)
      let failure = ShoalError(
        .connectionFailed,
        "no TLS session with the scheduler at \(address): \(Self.describe(error))",
        hint: "check that the scheduler and this client use certificates of the same cluster CA"
          + " (--tls-ca/--tls-cert/--tls-key, or --cluster NAME)")
      welcomePromise.fail(failure)
      throw failure
    }
    channel.writeAndFlush(
      Message.hello(Hello(role: role, name: name, slots: 0, token: token)), promise: nil)
    let timer = loop.scheduleTask(in: timeoutAmount) {
      welcomePromise.fail(
        ShoalError(
          .timeout, "no answer from a scheduler at \(address) within \(timeout)",
          hint: "is something else listening on that port?"))
    }
    let welcome: Welcome
    do {
      welcome = try await welcomePromise.futureResult.get()
      timer.cancel()
    } catch {
      timer.cancel()
      channel.close(promise: nil)
      throw error
    }
    let interval = TimeAmount.milliseconds(Int64(max(50, welcome.heartbeatIntervalMilliseconds)))
    let heartbeat = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
      channel.writeAndFlush(Message.heartbeat, promise: nil)
    }
    channel.closeFuture.whenComplete { _ in heartbeat.cancel() }
    return SchedulerConnection(
      channel: channel, welcome: welcome, address: address, closeReason: reason)
  }

  static func describe(_ error: any Error) -> String {
    if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
      return describe(first.error)
    }
    if let error = error as? IOError {
      // `connection refused`, not NIO's `connection reset (error set): Connection refused) (errno: 111)`.
      return String(cString: strerror(error.errnoCode)).lowercased()
    }
    if error is ChannelError, case .connectTimeout = error as! ChannelError {
      return "connecting timed out"
    }
    return "\(error)"
  }
}

/// The connection's last handler: completes the handshake, then passes messages on.
private final class ConnectionHandler: ChannelInboundHandler {
  typealias InboundIn = Message

  let address: SchedulerAddress
  let welcome: EventLoopPromise<Welcome>
  let reason: NIOLoopBoundBox<String?>
  let onMessage: @Sendable (Message) -> Void
  let onClose: @Sendable (ShoalError) -> Void
  var welcomed = false

  init(
    address: SchedulerAddress, welcome: EventLoopPromise<Welcome>, reason: NIOLoopBoundBox<String?>,
    onMessage: @escaping @Sendable (Message) -> Void,
    onClose: @escaping @Sendable (ShoalError) -> Void
  ) {
    self.address = address
    self.welcome = welcome
    self.reason = reason
    self.onMessage = onMessage
    self.onClose = onClose
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let message = unwrapInboundIn(data)
    switch message {
    case .welcome(let accepted) where !welcomed:
      welcomed = true
      welcome.succeed(accepted)
    case .refused(let refusal):
      reason.value = refusal.message
      let code: ShoalError.Code =
        refusal.reason == "authentication" || refusal.reason == "version"
        ? .protocolViolation : .connectionFailed
      let verb = welcomed ? "closed the connection" : "refused the connection"
      welcome.fail(ShoalError(code, "the scheduler at \(address) \(verb): \(refusal.message)"))
    case .heartbeat:
      break
    default:
      if welcomed { onMessage(message) }
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    let why = reason.value.map { ": \($0)" } ?? ""
    // Closed before any answer: a scheduler that speaks TLS drops a plain hello.
    let hint =
      welcomed || reason.value?.contains("refused") == true
      ? nil
      : "if the scheduler uses TLS, give this client the cluster's certificates"
        + " (--tls-ca/--tls-cert/--tls-key, or --cluster NAME)"
    let error = ShoalError(
      .connectionFailed, "lost the connection to the scheduler at \(address)\(why)", hint: hint)
    welcome.fail(error)
    if welcomed { onClose(error) }
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if reason.value == nil { reason.value = "\(error)" }
    context.close(promise: nil)
  }
}

extension Duration {
  /// The duration in seconds.
  var secondsValue: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) * 1e-18
  }
}
