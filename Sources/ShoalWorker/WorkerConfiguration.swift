import ShoalCore
import ShoalTLS
import ShoalWire

/// How a worker connects and behaves.
public struct WorkerConfiguration: Sendable {
  /// The scheduler's host name or IP address.
  public var host: String
  /// The scheduler's TCP port.
  public var port: Int
  /// The worker's name, unique in the cluster (`HOSTNAME-PID` by default).
  public var name: String
  /// How many tasks run at once.
  public var slots: Int
  /// The scheduler's token.
  public var token: String
  /// Exit (`WorkerError.gaveUp`) after this long without reaching the scheduler;
  /// nil retries forever.
  public var giveUpAfter: Duration?
  /// On SIGTERM, how long running tasks may take to finish before they are cancelled
  /// and handed back to the scheduler.
  public var drainGrace: Duration = .seconds(30)
  /// How long one connection attempt may take.
  public var connectTimeout: Duration = .seconds(5)
  /// How long the scheduler may take to answer the hello.
  public var handshakeTimeout: Duration = .seconds(10)
  /// The delays between reconnection attempts.
  public var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5), jitter: 0.25)
  /// The largest frame accepted from the scheduler.
  public var maxFrameSize: Int = WireProtocol.defaultMaxFrameSize
  /// Plain TCP, or mutual TLS with the worker's certificate (docs/security.md).
  public var tls: TLSSettings = .off
  /// What the worker offers besides its slots (`--resources gpu=1,memory=16G`),
  /// announced in its hello; `cpu` defaults to `slots` at the scheduler.
  public var resources = ResourceSet()

  /// A configuration with the default timeouts.
  public init(
    host: String, port: Int, name: String, slots: Int, token: String,
    giveUpAfter: Duration? = nil
  ) {
    self.host = host
    self.port = port
    self.name = name
    self.slots = slots
    self.token = token
    self.giveUpAfter = giveUpAfter
  }

  /// `tcp://HOST:PORT`, for messages.
  public var address: String {
    host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
  }
}
