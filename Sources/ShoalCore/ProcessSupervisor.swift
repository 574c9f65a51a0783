import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Starts named local processes and keeps them running: the process layer under the
/// local, SSH and container backends (a worker, an `ssh` session, a `podman run`).
///
///     let supervisor = ProcessSupervisor(log: context.log)
///     async let supervising: Void = supervisor.run()      // detects exits, restarts
///     try await supervisor.launch(name: "w-1", .init(executable: "/usr/bin/sleep", arguments: ["60"]))
///     await supervisor.stop(["w-1"])                       // SIGTERM to its group, grace, SIGKILL
///     // cancelling `run()` stops every process before it returns.
///
/// Each process leads its own process group, so a stop reaches everything it
/// started. An exit nobody asked for is restarted with backoff; a crash loop (more
/// than `Policy.restartLimit` exits within `Policy.restartWindow`) turns the process
/// `.failed(reason)`, logs an error and is not restarted.
///
/// Exits are found by polling `waitpid(pid, WNOHANG)` for this supervisor's own pids
/// from `run()` (and from `stop`): no blocking threads, and never `waitid(P_ALL)`,
/// which would reap other libraries' children.
public final class ProcessSupervisor: Sendable {
  /// The policy.
  public let policy: Policy
  private let log: EventLog
  private let entries = Mutex<[String: Entry]>([:])
  /// Set when `run()` ends: from then on nothing may start (a launch racing with the
  /// close would leave a process nobody stops).
  private let closed = Mutex(false)

  struct Entry {
    var command: Command
    var pid: Int32?
    var state: WorkerStatus.State
    var restarts = 0
    var exitTimes: [ContinuousClock.Instant] = []
    var restartAt: ContinuousClock.Instant?
    var stopRequested = false
    var killAt: ContinuousClock.Instant?
    var order: Int
  }

  /// A supervisor; `log` receives restarts, crash loops and stop escalations.
  public init(policy: Policy = .init(), log: EventLog) {
    self.policy = policy
    self.log = log
  }

  /// Supervises until cancelled: reaps exits, restarts unexpected ones after their
  /// backoff, escalates stops whose grace ran out. On cancellation every process
  /// still running is stopped (SIGTERM, grace, SIGKILL) before it returns.
  public func run() async {
    while !Task.isCancelled {
      tick()
      try? await Task.sleep(for: policy.pollInterval)
    }
    closed.withLock { $0 = true }
    let names = entries.withLock { entries in
      entries.filter { !$0.value.state.isFinal }.map(\.key)
    }
    await stop(names)
  }

  /// Starts `command` as `name` and keeps it running. Throws `ShoalError(.backendFailed)`
  /// when it cannot start (the message names the executable and the reason), and
  /// `.invalidState` when a process of that name is still running.
  public func launch(name: String, _ command: Command) async throws {
    if closed.withLock({ $0 }) {
      throw ShoalError(.invalidState, "cannot start `\(name)`: the supervisor has stopped")
    }
    let order: Int = try entries.withLock { entries in
      if let existing = entries[name], !existing.state.isFinal {
        throw ShoalError(.invalidState, "a process named `\(name)` is already \(existing.state)")
      }
      let order = (entries.values.map(\.order).max() ?? 0) + 1
      entries[name] = Entry(command: command, pid: nil, state: .launching, order: order)
      return order
    }
    do {
      let pid = try Spawner.spawn(command)
      let closing = closed.withLock { $0 }
      let kept = entries.withLock { entries -> Bool in
        guard entries[name]?.order == order, entries[name]?.stopRequested == false, !closing
        else { return false }
        entries[name]?.pid = pid
        entries[name]?.state = .running
        return true
      }
      guard kept else {
        // Stopped or closed while it was being spawned: it must not outlive the supervisor.
        signal(pid: pid, SIGKILL, group: command.newProcessGroup)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        entries.withLock { entries in
          if entries[name]?.order == order { entries[name]?.state = .exited(128 + SIGKILL) }
        }
        throw ShoalError(.invalidState, "`\(name)` was stopped while it was starting")
      }
      log.debug("started \(name) (pid \(pid)): \(command.commandLine)")
    } catch let error as ShoalError {
      entries.withLock { entries in
        if entries[name]?.order == order { entries[name]?.state = .failed(error.message) }
      }
      throw error
    }
  }

  /// Stops the named processes on purpose: SIGTERM to each one's group, then SIGKILL
  /// after `Policy.stopGrace`; returns when all of them have exited. Names that are
  /// unknown or already gone are ignored. A stopped process is not restarted.
  public func stop(_ names: [String]) async {
    let now = ContinuousClock.now
    let signalled: [(String, Int32)] = entries.withLock { entries in
      var signalled: [(String, Int32)] = []
      for name in names {
        guard var entry = entries[name], !entry.state.isFinal else { continue }
        entry.stopRequested = true
        entry.restartAt = nil
        if let pid = entry.pid {
          entry.state = .stopping
          entry.killAt = now + policy.stopGrace
          signalled.append((name, pid))
        } else {
          entry.state = .exited(0)
        }
        entries[name] = entry
      }
      return signalled
    }
    for (name, pid) in signalled {
      signal(
        pid: pid, SIGTERM, group: entries.withLock { $0[name]?.command.newProcessGroup ?? true })
    }
    while true {
      tick()
      let pending = entries.withLock { entries in
        names.contains { entries[$0].map { !$0.state.isFinal } ?? false }
      }
      if !pending { return }
      await ProcessSupervisor.sleepIgnoringCancellation(policy.pollInterval)
    }
  }

  /// Forgets finished processes (exited or failed), so that `statuses()` no longer
  /// lists them. Running ones are kept.
  public func forget(_ names: [String]) {
    entries.withLock { entries in
      for name in names where entries[name]?.state.isFinal == true { entries[name] = nil }
    }
  }

  /// Every process's state, in launch order.
  public func statuses() -> [WorkerStatus] {
    entries.withLock { entries in
      entries.sorted { $0.value.order < $1.value.order }.map {
        WorkerStatus(
          name: $0.key, state: $0.value.state, location: $0.value.pid.map { "pid \($0)" },
          restarts: $0.value.restarts)
      }
    }
  }

  /// The pid of the running process `name`.
  public func pid(of name: String) -> Int32? { entries.withLock { $0[name]?.pid } }

  /// One pass: reap exits, escalate expired stops, start due restarts.
  func tick() {
    let now = ContinuousClock.now
    var restarts: [(String, Command, Int)] = []
    var kills: [(Int32, Bool)] = []
    var messages: [(EventLog.Level, String)] = []
    entries.withLock { entries in
      for name in entries.keys {
        var entry = entries[name]!
        defer { entries[name] = entry }
        if let pid = entry.pid {
          var status: Int32 = 0
          let result = waitpid(pid, &status, WNOHANG)
          if result == pid || (result < 0 && errno == ECHILD) {
            let code = result == pid ? Spawner.exitStatus(status) : -1
            entry.pid = nil
            entry.killAt = nil
            if entry.command.newProcessGroup { kills.append((pid, true)) }
            handleExit(name: name, code: code, entry: &entry, now: now, messages: &messages)
          } else if let killAt = entry.killAt, now >= killAt {
            kills.append((pid, entry.command.newProcessGroup))
            entry.killAt = nil
            messages.append(
              (
                .warning,
                "\(name) (pid \(pid)) did not exit within \(policy.stopGrace); sent SIGKILL"
              ))
          }
        } else if let restartAt = entry.restartAt, now >= restartAt {
          entry.restartAt = nil
          restarts.append((name, entry.command, entry.order))
        }
      }
    }
    for (pid, group) in kills { signal(pid: pid, SIGKILL, group: group) }
    for (level, message) in messages { emit(level, message) }
    for (name, command, order) in restarts { restart(name: name, command: command, order: order) }
  }

  private func handleExit(
    name: String, code: Int32, entry: inout Entry, now: ContinuousClock.Instant,
    messages: inout [(EventLog.Level, String)]
  ) {
    if entry.stopRequested {
      entry.state = .exited(code)
      return
    }
    if code == 0 && !policy.restartCleanExits {
      entry.state = .exited(0)
      messages.append((.info, "\(name) exited with status 0; not restarting"))
      return
    }
    entry.exitTimes = entry.exitTimes.filter { now - $0 < policy.restartWindow } + [now]
    if entry.exitTimes.count > policy.restartLimit {
      let reason =
        "exited \(entry.exitTimes.count) times within \(policy.restartWindow) (last status \(code));"
        + " not restarting"
      entry.state = .failed(reason)
      messages.append((.error, "\(name): \(reason); see \(entry.command.logFile ?? "its output")"))
      return
    }
    let delay = policy.backoff(afterExits: entry.exitTimes.count)
    entry.state = .launching
    entry.restartAt = now + delay
    messages.append(
      (.warning, "\(name) exited unexpectedly with status \(code); restarting in \(delay)"))
  }

  private func restart(name: String, command: Command, order: Int) {
    do {
      let pid = try Spawner.spawn(command)
      let current = entries.withLock { entries -> Bool in
        guard entries[name]?.order == order, entries[name]?.stopRequested == false else {
          return false
        }
        entries[name]?.pid = pid
        entries[name]?.state = .running
        entries[name]?.restarts += 1
        return true
      }
      if current {
        emit(.info, "restarted \(name) (pid \(pid))")
      } else {
        signal(pid: pid, SIGKILL, group: command.newProcessGroup)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
      }
    } catch {
      var messages: [(EventLog.Level, String)] = []
      entries.withLock { entries in
        guard var entry = entries[name], entry.order == order, !entry.stopRequested else { return }
        handleExit(name: name, code: -1, entry: &entry, now: .now, messages: &messages)
        entries[name] = entry
      }
      emit(.warning, "\(name): \(error)")
      for (level, message) in messages { emit(level, message) }
    }
  }

  private func signal(pid: Int32, _ number: Int32, group: Bool) {
    if group { kill(-pid, number) } else { kill(pid, number) }
  }

  private func emit(_ level: EventLog.Level, _ message: String) {
    switch level {
    case .debug: log.debug(message)
    case .info: log.info(message)
    case .warning: log.warning(message)
    case .error: log.error(message)
    }
  }

  /// A sleep that still sleeps in a cancelled task, so that a stop during shutdown
  /// waits for its processes instead of spinning.
  static func sleepIgnoringCancellation(_ duration: Duration) async {
    await Task { try? await Task.sleep(for: duration) }.value
  }
}
