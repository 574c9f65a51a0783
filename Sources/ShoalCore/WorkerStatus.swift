/// What a backend knows about one of its workers.
public struct WorkerStatus: Sendable, Hashable, CustomStringConvertible {
  /// The lifecycle state of a worker, as its backend sees it.
  public struct State: Sendable, Hashable, CustomStringConvertible {
    private enum Base: Hashable, Sendable {
      case launching, running, stopping, exited(Int32), failed(String)
    }
    private let base: Base

    /// The backend is starting it (process spawned, container starting, ssh connecting).
    public static let launching = State(base: .launching)
    /// It is up, as far as the backend can tell.
    public static let running = State(base: .running)
    /// It was asked to stop and has not exited yet.
    public static let stopping = State(base: .stopping)
    /// It exited with this status (or signal number + 128).
    public static func exited(_ status: Int32) -> State { State(base: .exited(status)) }
    /// It could not be started, or failed for good; the reason says why.
    public static func failed(_ reason: String) -> State { State(base: .failed(reason)) }

    /// The state's kind, for the plugin ABI's JSON.
    enum Kind { case exited(Int32), failed(String), other(String) }
    var kind: Kind {
      switch base {
      case .exited(let status): return .exited(status)
      case .failed(let reason): return .failed(reason)
      default: return .other(description)
      }
    }

    /// Whether the worker failed for good (could not start, or gave up restarting).
    public var isFailed: Bool { if case .failed = base { return true } else { return false } }

    /// Whether the worker is gone (exited or failed).
    public var isFinal: Bool {
      switch base {
      case .exited, .failed: return true
      default: return false
      }
    }

    /// `launching`, `running`, `stopping`, `exited(1)`, `failed: reason`.
    public var description: String {
      switch base {
      case .launching: return "launching"
      case .running: return "running"
      case .stopping: return "stopping"
      case .exited(let status): return "exited(\(status))"
      case .failed(let reason): return "failed: \(reason)"
      }
    }
  }

  /// The worker's name.
  public var name: String
  /// Its state.
  public var state: State
  /// Where it runs (host name, container id), when the backend knows.
  public var location: String?
  /// How many times the backend restarted it after unexpected exits.
  public var restarts: Int

  /// A status entry.
  public init(name: String, state: State, location: String? = nil, restarts: Int = 0) {
    self.name = name
    self.state = state
    self.location = location
    self.restarts = restarts
  }

  public var description: String { "\(name) \(state)" + (location.map { " on \($0)" } ?? "") }
}
