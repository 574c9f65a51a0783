import NIOCore
import ShoalWire

/// One connection as the scheduler sees it. Confined to the scheduler's event loop.
final class Peer {
  /// A serial number, never reused; a client's also prefixes its tasks' scheduler ids.
  let id: UInt64
  let context: ChannelHandlerContext
  let connectedAt: NIODeadline
  /// Nil until the hello is accepted.
  var role: PeerRole?
  var name = ""
  var slots = 0
  /// Set when a message arrived since the last heartbeat check.
  var heard = false
  var lastHeard: NIODeadline
  /// Closing: refused or timed out; ignore whatever it still sends.
  var closing = false
  /// Connected but no hello accepted yet (counted against the pending limit).
  var pending = true

  // Worker state.
  /// Scheduler ids of the tasks assigned to this worker.
  var assigned: Set<UInt64> = []
  var draining = false
  var retiring = false
  var toldToRetire = false
  var idleSince: NIODeadline?
  /// Results it sent (for `shoal ps`), and how many of them did not succeed.
  var finishedTasks = 0
  var failedTasks = 0
  var retireWaiters: [EventLoopPromise<String?>] = []
  /// What it offers (its hello's resources, `cpu` defaulting to its slots), and what
  /// of that the resource tasks it runs leave free.
  var resources = ResourceSet()
  var freeResources = ResourceSet()

  // Client state.
  /// Tasks of this client the scheduler still holds (queued or assigned).
  var liveTasks = 0
  /// Tasks it submitted since it connected (the dashboard's progress of its work).
  var submittedTasks = 0
  /// Scheduler ids of this client's queued tasks, in order; ids whose record is gone
  /// or assigned are skipped.
  var queue = CircularBuffer<UInt64>()
  /// Whether this client is in the scheduler's ring of clients with queued tasks.
  var inReadyRing = false

  // Outgoing messages, written and flushed once per loop iteration.
  var outTasks: [ForwardedTask] = []
  var outResults: [ForwardedResult] = []
  var outCancels: [UInt64] = []
  var outOther: [Message] = []
  var dirty = false

  init(id: UInt64, context: ChannelHandlerContext, now: NIODeadline) {
    self.id = id
    self.context = context
    connectedAt = now
    lastHeard = now
  }

  var isWorker: Bool { role == .worker }
  var isClient: Bool { role == .client }

  /// Whether the worker takes new tasks.
  var acceptsTasks: Bool { role == .worker && !draining && !retiring && !closing }

  var remote: String { context.remoteAddress?.description ?? "unknown" }

  var label: String {
    role.map { "\($0) `\(name)`" } ?? "peer \(remote)"
  }
}

/// A task the scheduler knows about: queued, or assigned to a worker.
struct TaskRecord {
  /// The spec as the client encoded it: the scheduler forwards it without decoding.
  var spec: ByteBuffer
  /// The worker's peer id while assigned.
  var worker: UInt64?
  /// Names of the workers lost while running it.
  var lostOn: [String]
  /// The client went away or cancelled: drop whatever comes back.
  var orphaned: Bool
  /// What it needs of a worker; nil for a task that needs only a slot.
  var resources: ResourceSet?

  /// A queued task that needs only a slot. (Explicit initializers, no defaults: a
  /// debug build calls a function per default value, per task.)
  init(spec: ByteBuffer) {
    self.spec = spec
    worker = nil
    lostOn = []
    orphaned = false
    resources = nil
  }

  /// A queued task that needs `resources`.
  init(spec: ByteBuffer, resources: ResourceSet) {
    self.init(spec: spec)
    self.resources = resources
  }
}

/// Scheduler task ids: the client's peer id in the top 24 bits, its own id below.
enum TaskID {
  static let clientBits: UInt64 = 40
  static let clientMask: UInt64 = (1 << clientBits) - 1

  static func make(client: UInt64, task: UInt64) -> UInt64 { client << clientBits | task }
  static func client(_ id: UInt64) -> UInt64 { id >> clientBits }
  static func task(_ id: UInt64) -> UInt64 { id & clientMask }
}
