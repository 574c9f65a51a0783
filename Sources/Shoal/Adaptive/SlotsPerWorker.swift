import ShoalCore

/// Slots per worker of a backend before any of its workers connected, read from the
/// usual `cluster_kwargs` keys: `threads_per_worker`, `worker_options.nthreads`,
/// `nthreads`; 1 when none is given. Adaptive scaling uses it to turn a slot target
/// into workers (the figure learnt from connected workers replaces it).
public enum SlotsPerWorker {
  /// The guess for `kwargs`.
  public static func guess(_ kwargs: Kwargs) -> Int {
    let candidates = [
      kwargs["threads_per_worker"], kwargs["worker_options"]?["nthreads"], kwargs["nthreads"],
    ]
    for node in candidates {
      if let node, let value = try? node.decode(Int.self), value >= 1 { return value }
    }
    return 1
  }
}
