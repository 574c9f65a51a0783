/// Where workers go and which ones leave: a pure policy over the host pool, so that
/// it is tested without any host.
///
/// Scale-up spreads: each new worker goes to the usable host with the most free
/// slots (ties: the host with fewer workers, then the earlier host in `hosts`).
/// Scale-down keeps the spread: each leaving worker comes from the host with the most
/// workers (ties: the later host), newest worker first.
package enum Placement {
  /// A host as the policy sees it.
  package struct Slot: Sendable, Hashable {
    /// The host's index in `hosts`.
    package var host: Int
    /// Its slots.
    package var slots: Int
    /// Workers placed there now.
    package var used: Int
    /// Whether new workers may go there (false while the host is in backoff).
    package var usable: Bool

    /// A host.
    package init(host: Int, slots: Int, used: Int, usable: Bool) {
      self.host = host
      self.slots = slots
      self.used = used
      self.usable = usable
    }

    /// Slots still free.
    package var free: Int { max(0, slots - used) }
  }

  /// A placed worker as the policy sees it.
  package struct Placed: Sendable, Hashable {
    /// The worker's name.
    package var name: String
    /// The host it runs on.
    package var host: Int
    /// Launch order: higher is newer.
    package var serial: Int

    /// A placed worker.
    package init(name: String, host: Int, serial: Int) {
      self.name = name
      self.host = host
      self.serial = serial
    }
  }

  /// The hosts for `count` more workers, one entry per worker, in launch order.
  /// Fewer entries than `count` when the usable hosts run out of free slots.
  package static func additions(_ count: Int, hosts: [Slot]) -> [Int] {
    var hosts = hosts
    var result: [Int] = []
    for _ in 0..<max(0, count) {
      let candidates = hosts.indices.filter { hosts[$0].usable && hosts[$0].free > 0 }
      guard
        let best = candidates.min(by: { a, b in
          let x = hosts[a]
          let y = hosts[b]
          if x.free != y.free { return x.free > y.free }
          if x.used != y.used { return x.used < y.used }
          return x.host < y.host
        })
      else { break }
      hosts[best].used += 1
      result.append(hosts[best].host)
    }
    return result
  }

  /// The names of `count` workers to stop, in stop order.
  package static func removals(_ count: Int, workers: [Placed]) -> [String] {
    var remaining = workers
    var result: [String] = []
    for _ in 0..<max(0, min(count, workers.count)) {
      var perHost: [Int: Int] = [:]
      for worker in remaining { perHost[worker.host, default: 0] += 1 }
      guard
        let host = perHost.max(by: { a, b in a.value != b.value ? a.value < b.value : a.key < b.key
        })?
        .key,
        let index = remaining.indices.filter({ remaining[$0].host == host })
          .max(by: { remaining[$0].serial < remaining[$1].serial })
      else { break }
      result.append(remaining[index].name)
      remaining.remove(at: index)
    }
    return result
  }

  /// The pool's capacity: the sum of its slots.
  package static func capacity(_ hosts: [Slot]) -> Int { hosts.reduce(0) { $0 + $1.slots } }
}
