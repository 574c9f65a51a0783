import ShoalCore

extension BackendCheck {
  /// Why the backend's adapt bounds differ from the declared ones, in words (nil when
  /// they do not differ, or the cluster is not adaptive): e.g. `maximum 8 lowered to 2,
  /// the most workers LocalBackend.LocalCluster can run with these cluster_kwargs (its
  /// capacity); effective bounds 1..2`.
  public var adaptNote: String? {
    guard let requested = cluster.adapt, let granted = adapt, granted != requested else {
      return nil
    }
    let backend = resolved?.importPath.description ?? cluster.clusterClass ?? "the backend"
    var reasons: [String] = []
    if granted.maximum != requested.maximum {
      let capacity =
        "the most workers \(backend) can run with these cluster_kwargs (its capacity"
        + " — for LocalCluster, max_workers; for SSHCluster, the hosts' slots)"
      switch (requested.maximum, granted.maximum) {
      case (nil, let granted?):
        reasons.append("no maximum given, so the maximum is \(granted), \(capacity)")
      case (let requested?, let granted?) where granted < requested:
        reasons.append("maximum \(requested) lowered to \(granted), \(capacity)")
      case (let requested, let granted):
        reasons.append(
          "maximum \(requested.map(String.init) ?? "none") changed to \(granted.map(String.init) ?? "none") by \(backend)"
        )
      }
    }
    if granted.minimum != requested.minimum {
      reasons.append(
        "minimum \(requested.minimum) changed to \(granted.minimum) by \(backend)")
    }
    if granted.interval != requested.interval || granted.waitCount != requested.waitCount
      || granted.targetDuration != requested.targetDuration
    {
      reasons.append("\(backend) changed the interval, wait_count or target_duration")
    }
    return reasons.joined(separator: "; ") + "; effective bounds " + Self.bounds(granted)
  }

  /// `MIN..MAX` (`∞` when there is no maximum).
  public static func bounds(_ settings: AdaptSettings) -> String {
    "\(settings.minimum)..\(settings.maximum.map(String.init) ?? "∞")"
  }
}
