import ShoalTLS
import ShoalWire

#if canImport(Glibc)
  import Glibc
  private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#elseif canImport(Musl)
  import Musl
  private let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
#endif

/// How a scheduler listens, authenticates and watches its peers.
public struct SchedulerConfiguration: Sendable {
  /// The interface to listen on; loopback unless told otherwise.
  public var host: String
  /// The port; 0 picks a free one (read it back with `Scheduler.listeningAddress()`).
  public var port: Int
  /// The token every peer must present.
  public var token: String
  /// How often heartbeats are sent, and how often silence is checked.
  public var heartbeatInterval: Duration
  /// A peer silent for longer than this is closed (a dead worker's tasks are requeued).
  /// This also bounds a frame that stalls half-way.
  public var heartbeatTimeout: Duration
  /// How long a new connection may take to send its hello.
  public var handshakeTimeout: Duration
  /// How many times a task goes back to the queue after the worker running it was lost;
  /// one loss more and its result is `.lost` (Dask's `allowed-failures`, `KilledWorker`).
  public var retryLimit: Int
  /// The largest frame accepted from a peer after its hello.
  public var maxFrameSize: Int
  /// The most extra tasks per slot sent ahead to a worker while tasks are short (recent
  /// mean under `prefetchBelow`), so that a worker never waits a round trip for its next
  /// task. 0 turns prefetching off.
  public var prefetchPerSlot: Int
  /// Tasks shorter than this on average are prefetched, as many per slot as fit in this
  /// much run time (at least one, at most `prefetchPerSlot`): a worker holds at most
  /// about this much work ahead of each slot, which bounds the imbalance at the end
  /// of a batch.
  public var prefetchBelow: Duration
  /// Plain TCP, or mutual TLS with the scheduler's certificate (docs/security.md).
  public var tls: TLSSettings = .off
  /// The most connections that may be open without having said hello; one more
  /// closes the oldest of them. The limit used is also at most a quarter of the
  /// process's file descriptor limit (`RLIMIT_NOFILE`), and at least 8.
  public var maxPendingConnections: Int = 128

  /// A configuration; everything but the token has a default.
  public init(
    host: String = "127.0.0.1", port: Int = 0, token: String,
    heartbeatInterval: Duration = .seconds(1), heartbeatTimeout: Duration = .seconds(10),
    handshakeTimeout: Duration = .seconds(10), retryLimit: Int = 3,
    maxFrameSize: Int = WireProtocol.defaultMaxFrameSize, prefetchPerSlot: Int = 32,
    prefetchBelow: Duration = .milliseconds(50)
  ) {
    self.host = host
    self.port = port
    self.token = token
    self.heartbeatInterval = heartbeatInterval
    self.heartbeatTimeout = heartbeatTimeout
    self.handshakeTimeout = handshakeTimeout
    self.retryLimit = retryLimit
    self.maxFrameSize = maxFrameSize
    self.prefetchPerSlot = prefetchPerSlot
    self.prefetchBelow = prefetchBelow
  }
}

extension SchedulerConfiguration {
  /// `maxPendingConnections`, lowered to a quarter of the descriptor limit.
  var effectivePendingLimit: Int {
    var limit = rlimit()
    guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur != rlim_t.max else {
      return max(8, maxPendingConnections)
    }
    return max(8, min(maxPendingConnections, Int(clamping: limit.rlim_cur / 4)))
  }
}

extension Duration {
  /// The duration in seconds, as a Double.
  var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) * 1e-18
  }

  /// The duration in whole milliseconds, clamped to UInt32.
  var milliseconds: UInt32 { UInt32(clamping: Int64(seconds * 1000)) }
}
