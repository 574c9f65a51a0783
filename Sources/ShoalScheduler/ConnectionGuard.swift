import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

// Defences against peers that exhaust file descriptors or flood the log.
//
// - At most `SchedulerCore.pendingLimit` connections may be open
//   without having said hello (`SchedulerConfiguration.maxPendingConnections`, at most a
//   quarter of RLIMIT_NOFILE); one more sheds the oldest of them.
// - When `accept` fails for lack of descriptors (EMFILE, ENFILE), the listening socket
//   is not read again for `acceptBackoff` (NIO's `AcceptBackoffHandler`: without it the
//   readable listening socket makes the loop spin), and the oldest connection without
//   a hello is shed to free a descriptor.
// - Warnings about connections without a hello are limited to a few per window, the
//   rest summed up in one line.

/// The server channel's handler that reacts to `accept` failures.
final class AcceptFailureHandler: ChannelInboundHandler {
  typealias InboundIn = any Channel

  private let core: NIOLoopBoundBox<SchedulerCore>

  init(core: NIOLoopBoundBox<SchedulerCore>) { self.core = core }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    context.fireChannelRead(data)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    guard let error = error as? IOError else { return }
    core.value.acceptFailed(errno: error.errnoCode)
  }

  /// How long the listening socket rests after a failed `accept`.
  static func backoff(_ error: IOError) -> TimeAmount? {
    error.errnoCode == EMFILE || error.errnoCode == ENFILE ? .milliseconds(100) : .milliseconds(10)
  }
}

extension SchedulerCore {
  /// `accept` failed: log it (rate-limited) and, when descriptors ran out, shed the
  /// oldest connection that has not said hello.
  func acceptFailed(errno code: CInt) {
    let outOfDescriptors = code == EMFILE || code == ENFILE
    if outOfDescriptors { shedOldestPending(because: "the scheduler ran out of file descriptors") }
    warnings.warn(
      logger, "cannot accept a connection", now: .now(),
      metadata: [
        "error": "\(String(cString: strerror(code)))",
        "pending": "\(pendingCount)",
      ])
  }

  /// Counts a new connection and sheds the oldest one without a hello when there are
  /// more of those than the limit.
  func notePending(_ peer: Peer) {
    pendingCount += 1
    pending.append(peer)
    if pendingCount > pendingLimit {
      shedOldestPending(because: "too many connections have not said hello")
    }
  }

  /// A connection left the pending state (it said hello, or it closed).
  func pendingEnded(_ peer: Peer) {
    guard peer.pending else { return }
    peer.pending = false
    pendingCount -= 1
    // Keep the FIFO short: drop finished entries from its front.
    while let first = pending.first, !first.pending || first.closing { pending.removeFirst() }
  }

  private func shedOldestPending(because why: String) {
    while let oldest = pending.popFirst() {
      guard oldest.pending, !oldest.closing else { continue }
      close(oldest, reason: "overloaded", message: why + "; try again later")
      return
    }
  }
}

/// Lets a few warnings per window through and sums up the rest.
struct WarningLimiter {
  /// Warnings logged per window.
  var burst = 5
  /// The window.
  var window = TimeAmount.seconds(10)
  private var windowStart = NIODeadline.uptimeNanoseconds(0)
  private var logged = 0
  private var suppressed = 0

  /// Logs `message` at warning level unless `burst` were logged in this window; the
  /// first one logged after suppressed ones says how many were left out.
  mutating func warn(
    _ logger: Logger, _ message: Logger.Message, now: NIODeadline, metadata: Logger.Metadata
  ) {
    if now - windowStart >= window {
      windowStart = now
      logged = 0
    }
    guard logged < burst else {
      suppressed += 1
      return
    }
    logged += 1
    var metadata = metadata
    if suppressed > 0 {
      metadata["similar warnings left out"] = "\(suppressed)"
      suppressed = 0
    }
    logger.warning(message, metadata: metadata)
  }
}
