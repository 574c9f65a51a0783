import Foundation

/// The cluster at one moment, as the page and `/metrics` show it. Sent as JSON.
public struct DashboardSnapshot: Codable, Sendable {
  /// One worker's row.
  public struct Worker: Codable, Sendable, Hashable {
    /// Its name.
    public var name: String
    /// `running`, `launching`, `failed: ...`, `connected`, or `retiring`.
    public var state: String
    /// Slots (threads that run tasks).
    public var slots: Int
    /// Tasks assigned to it now.
    public var running: Int
    /// Tasks it finished since it connected.
    public var completed: Int
    /// Of those, the ones that did not succeed.
    public var failed: Int
    /// Where it runs (pid, host, container).
    public var location: String?
    /// CPU use over the last interval, in percent of one core (local workers only).
    public var cpuPercent: Double?
    /// Resident memory in bytes (local workers only).
    public var rssBytes: Int?
    /// OS threads of the process (local workers only).
    public var threads: Int?
    /// Seconds since it connected (or since its process started).
    public var uptimeSeconds: Double?
    /// CPU seconds used so far (local workers only), for the next interval's percent.
    public var cpuSeconds: Double?
  }

  /// One client's work.
  public struct Client: Codable, Sendable, Hashable {
    /// The client's name.
    public var name: String
    /// Tasks submitted.
    public var submitted: Int
    /// Tasks done (submitted minus pending).
    public var done: Int
  }

  /// The adaptive loop.
  public struct Adaptive: Codable, Sendable, Hashable {
    /// Whether it is applying decisions.
    public var enabled: Bool
    /// Lower bound.
    public var minimum: Int
    /// Upper bound; nil is none.
    public var maximum: Int?
    /// Target at the last tick.
    public var target: Int?
    /// Workers asked of the backend.
    public var planned: Int
  }

  /// Seconds since 1970.
  public var time: Double
  /// The cluster's name.
  public var cluster: String
  /// `running`, `starting`, `closing`.
  public var state: String
  /// The scheduler's address.
  public var address: String?
  /// Tasks waiting.
  public var queued: Int
  /// Tasks assigned to workers.
  public var running: Int
  /// Tasks finished since the scheduler started.
  public var completed: Int
  /// Of those (counted by connected workers), the ones that failed.
  public var failed: Int
  /// Run time of every finished task, summed.
  public var computeSeconds: Double
  /// Connected clients.
  public var clients: Int
  /// Slots of connected workers.
  public var totalSlots: Int
  /// The workers.
  public var workers: [Worker]
  /// Each client's progress.
  public var clientWork: [Client]
  /// The adaptive loop, when on or configured.
  public var adaptive: Adaptive?
}
