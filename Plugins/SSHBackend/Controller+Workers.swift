import SSHSupport
import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension Controller {
  /// Exit statuses with a meaning.
  enum ExitStatus {
    /// `ssh` itself failed: the connection could not be made or was lost.
    static let connectionLost: Int32 = 255
    /// `shoal worker --give-up-after`: the scheduler stayed unreachable.
    static let gaveUp: Int32 = 3
    /// The wrapper got no token on stdin.
    static let noToken: Int32 = 97
  }

  /// Starts one worker on host `index`: one `ssh` session over the host's master,
  /// supervised locally; the token goes over the session's stdin.
  func launch(on index: Int) async {
    serial += 1
    let name = "\(workerPrefix)-\(serial)"
    let host = configuration.hosts[index]
    let state = hosts[index]
    var launch = context.workerLaunch(
      name: name, nthreads: configuration.nthreads, taskLibraries: configuration.taskLibraries)
    launch.schedulerAddress = workerAddress
    launch.executable = state.remoteShoal
    // The remote host cannot read this machine's secret file: the token goes over stdin.
    launch.tokenFile = nil
    launch.environment[WorkerLaunch.tokenVariable] = nil
    launch.extraArguments = [
      "--token-file", "-", "--give-up-after", SSHCommandLine.seconds(configuration.giveUpAfter),
    ]
    var words: [String] = []
    if !host.environment.isEmpty {
      words.append("env")
      for (key, value) in host.environment.sorted(by: { $0.key < $1.key }) {
        words.append(RemoteCommand.quote("\(key)=\(value)"))
      }
    }
    words.append(RemoteCommand.path(launch.executable))
    words += launch.arguments.map(RemoteCommand.quote)
    let remote = RemoteCommand.worker(
      directory: state.connection.remoteDirectory, name: name, command: words)
    let command = ProcessSupervisor.Command(
      executable: SSHCommandLine.executable, arguments: state.connection.line.run(remote),
      logFile: "\(logDirectory)/\(name).log", stdin: Array((context.token + "\n").utf8))
    do {
      try await supervisor.launch(name: name, command)
      placed[name] = Placed(host: index, serial: serial)
      publishPlacement()
      log.info("started worker \(name) on \(host)")
    } catch {
      hosts[index].ready = false
      let delay = hosts[index].health.failed("\(error)", at: ContinuousClock.now)
      log.error(
        "host `\(host)`: cannot start worker \(name): \(error); retrying it in \(delay.text)")
    }
  }

  /// Finds workers whose `ssh` session ended: a clean exit is a retired worker (the
  /// desired count drops); anything else is a failure of its host, which goes into
  /// backoff while its workers are replaced elsewhere.
  func collectExits() {
    let statuses = Dictionary(
      supervisor.statuses().map { ($0.name, $0.state) }, uniquingKeysWith: { a, _ in a })
    var failedHosts: [Int: String] = [:]
    var gone: [String] = []
    for (name, worker) in placed.sorted(by: { $0.value.serial < $1.value.serial }) {
      guard let state = statuses[name], state.isFinal else { continue }
      gone.append(name)
      let status = Controller.exitStatus(state)
      if status == 0 {
        desired = max(0, desired - 1)
        log.info("worker \(name) on \(configuration.hosts[worker.host]) exited (retired)")
        continue
      }
      let reason = exitReason(name: name, status: status)
      log.warning("worker \(name) on \(configuration.hosts[worker.host]) ended: \(reason)")
      failedHosts[worker.host] = failedHosts[worker.host] ?? reason
    }
    guard !gone.isEmpty else { return }
    for name in gone { placed[name] = nil }
    supervisor.forget(gone)
    let now = ContinuousClock.now
    for (index, reason) in failedHosts.sorted(by: { $0.key < $1.key }) {
      hosts[index].ready = false
      let delay = hosts[index].health.failed(reason, at: now)
      log.error(
        "host `\(configuration.hosts[index])`: \(reason); its workers move to other hosts, retrying it in \(delay.text)"
      )
    }
    publishPlacement()
  }

  /// Why a worker's session ended, from its status and the last lines of its log.
  func exitReason(name: String, status: Int32?) -> String {
    let tail = ShortCommand.Outcome(
      status: 0, stdout: ShortCommand.fileContents("\(logDirectory)/\(name).log")
    ).lastLines()
    let detail = tail.isEmpty ? "" : " (\(tail))"
    switch status {
    case ExitStatus.connectionLost:
      return "the SSH connection failed or was lost" + detail
    case ExitStatus.gaveUp:
      return
        "the worker could not reach the scheduler at \(workerAddress) within give_up_after"
        + detail + "; set scheduler_options so that the hosts can reach it"
    case ExitStatus.noToken:
      return "the worker got no token" + detail
    case .some(let status):
      return "the worker exited with status \(status)" + detail
    case .none:
      return "the worker's session failed" + detail
    }
  }

  /// The exit status in a final state (`exited(N)`, or a supervisor failure that
  /// carries `last status N`).
  static func exitStatus(_ state: WorkerStatus.State) -> Int32? {
    let text = state.description
    if text.hasPrefix("exited("), let close = text.firstIndex(of: ")") {
      return Int32(text[text.index(text.startIndex, offsetBy: 7)..<close])
    }
    guard let range = text.firstRange(of: "last status ") else { return nil }
    let digits = text[range.upperBound...].prefix { $0 == "-" || $0.isNumber }
    return Int32(digits)
  }

  /// Ends the named placed workers: the remote wrapper first (SIGTERM, grace,
  /// SIGKILL, per host in parallel), then the local `ssh` sessions.
  func stopPlaced(_ names: [String]) async {
    guard !names.isEmpty else { return }
    var byHost: [Int: [String]] = [:]
    for name in names {
      guard let worker = placed[name] else { continue }
      byHost[worker.host, default: []].append(name)
    }
    let jobs = byHost.map { (connection: hosts[$0.key].connection, names: $0.value) }
    await withTaskGroup(of: Void.self) { group in
      for job in jobs {
        group.addTask {
          if let failure = await job.connection.stopWorkers(job.names, grace: .seconds(10)) {
            self.log.warning("stopping \(job.names.joined(separator: ", ")): \(failure)")
          }
        }
      }
    }
    await supervisor.stop(names)
    supervisor.forget(names)
    for name in names { placed[name] = nil }
    log.info("stopped \(names.joined(separator: ", "))")
    publishPlacement()
  }

  /// Hands the worker -> host table to `SSHCluster.workers()`.
  func publishPlacement() {
    var table: [String: String] = [:]
    for (name, worker) in placed { table[name] = configuration.hosts[worker.host].description }
    publish(table)
  }
}
