/// Every message of the Shoal protocol. One message travels in one frame
/// (see `FrameDecoder` for the frame layout); the batch messages carry many tasks or
/// results at once so that throughput does not pay one frame (or syscall) per task.
///
/// Who sends what:
///
///     peer      -> scheduler  hello                (first frame, always)
///     scheduler -> peer       welcome | refused    (then the connection is closed)
///     client    -> scheduler  submit, cancel, heartbeat
///     scheduler -> client     results, heartbeat
///     scheduler -> worker     assign, cancel, retire, heartbeat
///     scheduler -> client     output (only for tasks submitted with `streamsOutput`)
///     worker    -> scheduler  results, output, handBack, drain, heartbeat
///     control   -> scheduler  controlRequest, heartbeat
///     scheduler -> control    controlResponse, heartbeat
///
/// Contract for workers: every task in an `assign` gets exactly one answer, either a
/// result (a `.cancelled` one after a `cancel`) or its id in a `handBack`. The
/// scheduler may assign more tasks than the worker has slots (prefetch for short
/// tasks): the worker runs at most `slots` at once and queues the rest in order.
public enum Message: Sendable, Hashable {
  /// The first frame of every connection: who the peer is and its credentials.
  case hello(Hello)
  /// The scheduler accepted the hello.
  case welcome(Welcome)
  /// The scheduler refuses the peer or closes the connection, and says why.
  case refused(Refusal)
  /// New tasks from a client. Ids are the client's own, unique per connection.
  case submit([TaskEnvelope])
  /// Cancel tasks by id (client to scheduler: client ids; scheduler to worker: assigned ids).
  case cancel([UInt64])
  /// Tasks for a worker to run.
  case assign([TaskEnvelope])
  /// Finished tasks: worker to scheduler, and scheduler to the submitting client.
  case results([ResultEnvelope])
  /// A piece of a running task's stdout or stderr, as it is produced: worker to
  /// scheduler (scheduler id), and scheduler to the submitting client (client id).
  /// Sent only for tasks whose spec has `streamsOutput`; the final result still
  /// carries the (capped) output.
  case output(TaskOutput)
  /// A draining worker gives back assigned tasks it has not started (requeued, no retry counted).
  case handBack([UInt64])
  /// The worker is draining: it takes no new tasks.
  case drain
  /// The scheduler retires the worker: it has no running tasks left and should exit.
  case retire
  /// I am alive. Every peer sends one per heartbeat interval; silence past the
  /// timeout closes the connection.
  case heartbeat
  /// A command for the scheduler or the cluster process that embeds it (`status`, `scale`).
  case controlRequest(ControlRequest)
  /// The answer to a `controlRequest`.
  case controlResponse(ControlResponse)
}

/// The role a peer announces in its hello.
public struct PeerRole: Hashable, Sendable, CustomStringConvertible {
  /// The wire value.
  public let wireValue: UInt8
  /// The role for a wire value, nil when unknown.
  public init?(wireValue: UInt8) {
    guard (1...3).contains(wireValue) else { return nil }
    self.wireValue = wireValue
  }
  private init(_ value: UInt8) { wireValue = value }

  /// Runs tasks.
  public static let worker = PeerRole(1)
  /// Submits tasks and receives their results.
  public static let client = PeerRole(2)
  /// Sends control commands (`shoal ps`, `shoal scale`).
  public static let control = PeerRole(3)

  public var description: String { ["", "worker", "client", "control"][Int(wireValue)] }
}

/// The handshake a peer opens with.
public struct Hello: Sendable, Hashable {
  /// The protocol version the peer speaks (`WireProtocol.version`).
  public var version: UInt16
  /// Worker, client or control.
  public var role: PeerRole
  /// The peer's name (a worker's name; empty lets the scheduler pick one).
  public var name: String
  /// How many tasks a worker runs at once; 0 for other roles.
  public var slots: UInt32
  /// The scheduler's token.
  public var token: String
  /// What a worker offers besides its slots (`--resources gpu=1`); empty for other
  /// roles. Sent after the token only when not empty (see docs/protocol.md).
  public var resources: ResourceSet

  /// A hello.
  public init(
    version: UInt16 = WireProtocol.version, role: PeerRole, name: String, slots: UInt32 = 0,
    token: String, resources: ResourceSet = ResourceSet()
  ) {
    self.version = version
    self.role = role
    self.name = name
    self.slots = slots
    self.token = token
    self.resources = resources
  }
}

/// The scheduler's answer to an accepted hello.
public struct Welcome: Sendable, Hashable {
  /// The scheduler's protocol version.
  public var version: UInt16
  /// The peer's name as the scheduler knows it (picked when the hello's was empty).
  public var name: String
  /// How often the peer should send a heartbeat, in milliseconds.
  public var heartbeatIntervalMilliseconds: UInt32
  /// Silence longer than this (milliseconds) closes the connection.
  public var heartbeatTimeoutMilliseconds: UInt32
  /// The largest frame the scheduler accepts.
  public var maxFrameSize: UInt32

  /// A welcome.
  public init(
    version: UInt16 = WireProtocol.version, name: String, heartbeatIntervalMilliseconds: UInt32,
    heartbeatTimeoutMilliseconds: UInt32, maxFrameSize: UInt32
  ) {
    self.version = version
    self.name = name
    self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
    self.heartbeatTimeoutMilliseconds = heartbeatTimeoutMilliseconds
    self.maxFrameSize = maxFrameSize
  }
}

/// Why the scheduler refuses or closes a connection.
public struct Refusal: Sendable, Hashable, CustomStringConvertible {
  /// A stable reason code: `authentication`, `version`, `protocol`, `frame_too_large`,
  /// `timeout`, `shutdown`, `replaced`.
  public var reason: String
  /// A sentence for the user, with the fix when there is one.
  public var message: String

  /// A refusal.
  public init(reason: String, message: String) {
    self.reason = reason
    self.message = message
  }

  public var description: String { "\(reason): \(message)" }
}

/// A task with its id.
public struct TaskEnvelope: Sendable, Hashable {
  /// The id (the client's in `submit`, the scheduler's in `assign`).
  public var id: UInt64
  /// The task.
  public var spec: TaskSpec

  /// An envelope.
  public init(id: UInt64, spec: TaskSpec) {
    self.id = id
    self.spec = spec
  }
}

/// A result with its task's id.
public struct ResultEnvelope: Sendable, Hashable {
  /// The id (the scheduler's from a worker, the client's to a client).
  public var id: UInt64
  /// The result.
  public var result: TaskResult

  /// An envelope.
  public init(id: UInt64, result: TaskResult) {
    self.id = id
    self.result = result
  }
}

/// A control command.
public struct ControlRequest: Sendable, Hashable {
  /// Matches the response to the request.
  public var id: UInt32
  /// The command (`status`, `scale`, `adapt`, `down`, ...).
  public var command: String
  /// Its arguments.
  public var arguments: [String: String]

  /// A request.
  public init(id: UInt32, command: String, arguments: [String: String] = [:]) {
    self.id = id
    self.command = command
    self.arguments = arguments
  }
}

/// The answer to a control command.
public struct ControlResponse: Sendable, Hashable {
  /// The request's id.
  public var id: UInt32
  /// The answer's fields (for `status`: `load`, the scheduler's load as JSON).
  public var fields: [String: String]
  /// Why the command failed; nil when it succeeded.
  public var error: String?

  /// A response.
  public init(id: UInt32, fields: [String: String] = [:], error: String? = nil) {
    self.id = id
    self.fields = fields
    self.error = error
  }
}

/// A piece of a running task's output (`Message.output`).
public struct TaskOutput: Sendable, Hashable {
  /// Which of the task's outputs.
  public enum Stream: UInt8, Sendable, Hashable {
    /// Standard output.
    case stdout = 1
    /// Standard error.
    case stderr = 2
  }

  /// The task's id (the scheduler's from a worker, the client's to a client).
  public var id: UInt64
  /// Standard output or standard error.
  public var stream: Stream
  /// The bytes, as the program wrote them (not cut at the output cap).
  public var bytes: [UInt8]

  /// A piece of output.
  public init(id: UInt64, stream: Stream, bytes: [UInt8]) {
    self.id = id
    self.stream = stream
    self.bytes = bytes
  }
}
