/// Why a worker stopped other than by being retired or drained.
///
/// Equality is by code; the message says what happened and what to do.
public struct WorkerError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What kind of failure this is (a struct, so codes can be added).
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    /// The stable name of the code.
    public let name: String
    private init(_ name: String) { self.name = name }
    public var description: String { name }

    /// The scheduler refused the worker for good (wrong token, other protocol version).
    public static let refused = Code("refused")
    /// No scheduler could be reached for longer than `--give-up-after`.
    public static let gaveUp = Code("gave_up")
    /// A task library named with `--tasks` could not be loaded.
    public static let taskLibrary = Code("task_library")
    /// The process that started the worker (`SHOAL_PARENT_PID`) is gone.
    public static let orphaned = Code("orphaned")
    /// The worker's TLS certificate, key or CA cannot be used.
    public static let tls = Code("tls")
  }

  /// What kind of failure this is.
  public var code: Code
  /// What happened, and the fix when there is one.
  public var message: String

  /// An error.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// The process exit status for this error: 3 for `gaveUp`, 1 otherwise.
  public var exitStatus: Int32 { code == .gaveUp ? 3 : 1 }

  public var description: String { message }

  public static func == (lhs: WorkerError, rhs: WorkerError) -> Bool { lhs.code == rhs.code }
}
