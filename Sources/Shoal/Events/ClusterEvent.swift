import Foundation

/// Something that happened to a cluster: what `shoal events` prints and the dashboard
/// page shows. One JSON object per line in `STATE/clusters/NAME/events.jsonl`.
public struct ClusterEvent: Codable, Sendable, Hashable {
  /// What kind of event (a struct, so that kinds can be added).
  public struct Kind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    /// The stable name.
    public var rawValue: String
    /// A kind by name.
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    /// The cluster is up (its initial workers connected).
    public static let clusterUp = Kind(rawValue: "cluster_up")
    /// The cluster is closing.
    public static let clusterClosing = Kind(rawValue: "cluster_closing")
    /// A worker connected to the scheduler.
    public static let workerJoined = Kind(rawValue: "worker_joined")
    /// A worker disconnected.
    public static let workerLeft = Kind(rawValue: "worker_left")
    /// The backend reports a worker failed, or it restarted after an unexpected exit.
    public static let workerFailed = Kind(rawValue: "worker_failed")
    /// An adaptive decision that changed the number of workers.
    public static let adaptive = Kind(rawValue: "adaptive")
    /// A scale request (`shoal scale`) or new adaptive bounds (`shoal adapt`).
    public static let scaleRequest = Kind(rawValue: "scale_request")
  }

  /// Seconds since 1970.
  public var time: Double
  /// What happened.
  public var kind: Kind
  /// The worker it concerns, if any.
  public var worker: String?
  /// One line for people.
  public var message: String
  /// For adaptive decisions: `up` or `down`.
  public var direction: String?
  /// For adaptive decisions and scale requests: the number of workers asked for.
  public var target: Int?
  /// For failed workers: the end of its log (stderr).
  public var detail: String?

  /// An event.
  public init(
    time: Double = Date().timeIntervalSince1970, kind: Kind, worker: String? = nil,
    message: String, direction: String? = nil, target: Int? = nil, detail: String? = nil
  ) {
    self.time = time
    self.kind = kind
    self.worker = worker
    self.message = message
    self.direction = direction
    self.target = target
    self.detail = detail
  }

  /// `HH:MM:SS  kind  message`, then the detail indented.
  public var line: String {
    let formatter = DateFormatter()
    formatter.dateFormat = "HH:mm:ss"
    let stamp = formatter.string(from: Date(timeIntervalSince1970: time))
    var text =
      "\(stamp)  \(kind.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0))  \(message)"
    if let detail, !detail.isEmpty { text += "\n" + detail }
    return text
  }
}
