import SSHSupport
import ShoalCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Why a host cannot take workers right now, in words for the user.
struct HostFailure: Error, Sendable, CustomStringConvertible {
  /// The host.
  var host: Host
  /// What went wrong (`the key was refused (Permission denied (publickey))`).
  var reason: String
  /// How to fix it, when known.
  var hint: String?
  /// The YAML node the failure is about, when it is a setting (`remote_shoal`).
  var node: Kwargs?

  var description: String { "host `\(host)`: \(reason)" }

  /// The failure as a `ShoalError` that names the host (and the setting's position).
  var error: ShoalError {
    ShoalError(
      .connectionFailed, description, location: node?.location, keyPath: node?.path, hint: hint)
  }
}

/// The operations on one host, all over its one master connection: connect, check
/// the remote `shoal`, upload, stop workers, disconnect.
struct HostConnection: Sendable {
  /// The host's `ssh` command line.
  var line: SSHCommandLine
  /// A local folder for command output.
  var scratch: String
  /// The remote folder of this cluster's worker pid files on this host.
  var remoteDirectory: String

  var host: Host { line.host }

  /// Runs `ssh ARGUMENTS` and returns what it did.
  func ssh(
    _ arguments: [String], timeout: Duration, stdinFile: String? = nil, outputFile: String? = nil
  ) async throws -> ShortCommand.Outcome {
    let command = ShortCommand(
      SSHCommandLine.executable, arguments, stdinFile: stdinFile,
      combinedOutputFile: outputFile ?? HostConnection.scratchFile(in: scratch, host.index),
      keepsOutputFile: outputFile != nil,
      hintWhenMissing: "install the OpenSSH client (`apt-get install openssh-client`)")
    return try await command.run(timeout: timeout)
  }

  /// The time a command over an established master may take, plus a connect.
  var commandTimeout: Duration { line.settings.connectTimeout + .seconds(20) }

  /// Makes sure the master connection is up: a cheap `-O check`, else a new
  /// background master (`ssh -f -N`) whose stderr goes to `masterLog`.
  func connect(masterLog: String) async throws {
    if let check = try? await ssh(line.check, timeout: .seconds(5)), check.status == 0 { return }
    unlink(line.controlPath)
    let outcome = try await ssh(
      line.master, timeout: line.settings.connectTimeout + .seconds(5), outputFile: masterLog)
    guard outcome.status == 0 else {
      throw HostConnection.classify(outcome, host: host, timeout: line.settings.connectTimeout)
    }
  }

  /// Checks the `shoal` at `remoteShoal`: it exists, runs, and reports `version`.
  func probe(remoteShoal: String, node: Kwargs?, version: String) async throws {
    let outcome = try await ssh(
      line.run(RemoteCommand.probe(remoteShoal: remoteShoal)), timeout: commandTimeout)
    guard outcome.status == 0 else {
      throw HostConnection.classify(outcome, host: host, timeout: commandTimeout)
    }
    let lines = outcome.stdout.split(separator: "\n").map(String.init)
    guard let index = lines.firstIndex(where: { $0.hasPrefix("shoal-probe ") }) else {
      throw HostFailure(
        host: host, reason: "could not check `\(remoteShoal)`: \(outcome.lastLines())")
    }
    let answer = lines[index].dropFirst("shoal-probe ".count)
    let upload = "or set `upload: true` to copy this machine's shoal there"
    if answer == "missing" {
      throw HostFailure(
        host: host, reason: "`\(remoteShoal)` does not exist there",
        hint: "install shoal \(version) at that path, set `remote_shoal`, \(upload)", node: node)
    }
    if answer == "not-executable" {
      throw HostFailure(
        host: host, reason: "`\(remoteShoal)` is not executable there",
        hint: "`chmod +x \(remoteShoal)` on the host, or fix `remote_shoal`", node: node)
    }
    if answer.hasPrefix("broken") {
      let detail = lines[(index + 1)...].filter { !$0.isEmpty }.prefix(2).joined(separator: "; ")
      throw HostFailure(
        host: host, reason: "`\(remoteShoal) --version` failed: \(detail)",
        hint: "the host needs the Swift runtime libraries shoal links (see docs/ssh.md); \(upload)",
        node: node)
    }
    let remoteVersion = answer.dropFirst("version ".count).trimmingCharacters()
    guard remoteVersion == version else {
      throw HostFailure(
        host: host,
        reason: "`\(remoteShoal)` is version \(remoteVersion), this shoal is version \(version)",
        hint: "install shoal \(version) there, \(upload)", node: node)
    }
  }

  /// Runs a remote command that should succeed; throws the host's failure otherwise.
  @discardableResult
  func execute(_ remoteCommand: String, stdinFile: String? = nil) async throws -> String {
    let outcome = try await ssh(
      line.run(remoteCommand), timeout: commandTimeout, stdinFile: stdinFile)
    guard outcome.status == 0 else {
      throw HostConnection.classify(outcome, host: host, timeout: commandTimeout)
    }
    return outcome.stdout
  }

  /// Stops the named workers there (every worker of this cluster when `names` is
  /// empty): SIGTERM, `grace`, SIGKILL. Failures are returned, not thrown: the
  /// workers of an unreachable host end on their own (connection gone, scheduler gone).
  func stopWorkers(_ names: [String], grace: Duration) async -> HostFailure? {
    do {
      let outcome = try await ssh(
        line.run(RemoteCommand.stop(directory: remoteDirectory, names: names, grace: grace)),
        timeout: grace + commandTimeout)
      return outcome.status == 0
        ? nil : HostConnection.classify(outcome, host: host, timeout: commandTimeout)
    } catch {
      return HostFailure(host: host, reason: "\(error)")
    }
  }

  /// Ends the master connection, if it is up.
  func disconnect() async {
    _ = try? await ssh(line.exit, timeout: .seconds(5))
    unlink(line.controlPath)
  }

  /// A failure in words: ssh's own message, sorted into refused key, unreachable, ...
  static func classify(_ outcome: ShortCommand.Outcome, host: Host, timeout: Duration)
    -> HostFailure
  {
    if outcome.timedOut {
      return HostFailure(
        host: host, reason: "unreachable: no answer within \(timeout.text)",
        hint: "check that the host is up and reachable; raise `connect_timeout` for slow links")
    }
    let message = outcome.lastLines()
    let text = message.isEmpty ? "ssh exited with status \(outcome.status)" : message
    if message.contains("Permission denied") {
      return HostFailure(
        host: host, reason: "the key was refused (\(text))",
        hint:
          "check `user` and `identity_file`, and that the public key is in the host's authorized_keys"
      )
    }
    if message.contains("Host key verification failed") {
      return HostFailure(
        host: host, reason: "its host key is not trusted (\(text))",
        hint:
          "add it to known_hosts (`ssh \(host.name)` once), or set `strict_host_key_checking: accept-new`"
      )
    }
    let unreachable = [
      "Connection refused", "No route to host", "timed out", "Network is unreachable",
      "Could not resolve hostname", "Connection closed", "Connection reset",
    ]
    if unreachable.contains(where: { message.contains($0) }) {
      return HostFailure(host: host, reason: "unreachable (\(text))")
    }
    return HostFailure(host: host, reason: text)
  }

  /// A fresh output file name under `scratch`.
  static func scratchFile(in scratch: String, _ index: Int) -> String {
    let serial = scratchSerial.add(1)
    return "\(scratch)/out-\(index)-\(serial)"
  }
}

private let scratchSerial = Atomic<Int>(0)

extension Atomic where Value == Int {
  /// Adds `amount`; returns the new value.
  fileprivate func add(_ amount: Int) -> Int {
    wrappingAdd(amount, ordering: .relaxed).newValue
  }
}
