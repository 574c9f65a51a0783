import Foundation
import ShoalCore
import ShoalTestSupport
import Testing

/// The SSH backend against real sshd instances in network namespaces: master
/// connections, the remote `shoal` check, upload, and each host fault named.
@Suite(
  .serialized,
  .enabled(
    if: Integration.runs(missing: SSHHosts.unavailableReason),
    "\(SSHHosts.unavailableReason ?? "")"),
  .failsWithout(SSHHosts.unavailableReason))
struct SSHConnectionTests {
  let harness = SSHClusterHarness()

  func kwargs(_ hosts: SSHHosts, _ entries: String, key: String? = nil, extra: String = "")
    -> String
  {
    "{hosts: \(entries), connect_options: \(hosts.connectOptions(key: key))\(extra)}"
  }

  @Test func oneMasterPerHostAndNothingLeftAfterClose() async throws {
    let hosts = try SSHHosts(count: 2)
    defer { hosts.close() }
    let log = SSHClusterHarness.Log()
    let backend = try harness.backend(
      kwargs(
        hosts, "[\(hosts.machines[0].address), {host: \(hosts.machines[1].address), slots: 2}]"))
    let context = try harness.context(address: "tcp://\(hosts.schedulerHost):1", log: log)
    let sockets = context.stateDirectory + "/ssh"
    try await harness.running(backend, context: context) { _ in
      // One control socket per host, named `TAG-cN` (TAG: the backend's cluster name).
      let files = try FileManager.default.contentsOfDirectory(atPath: sockets)
      for index in 0..<2 {
        let socket = try #require(files.first { $0.hasSuffix("-c\(index)") }, "\(files)")
        let check = try CommandRunner.run(
          "/usr/bin/ssh", ["-o", "ControlPath=\(sockets)/\(socket)", "-O", "check", "x"])
        #expect(check.status == 0, "no master for host \(index): \(check.stderr)")
        // One master process per host, holding the host's one TCP connection.
        #expect(localProcesses(containing: "ControlPath=\(sockets)/\(socket)").count == 1)
      }
    }
    #expect(await eventually { localProcesses(containing: sockets).isEmpty })
    let left = (try? FileManager.default.contentsOfDirectory(atPath: sockets)) ?? []
    #expect(!left.contains { $0.hasSuffix("-c0") }, "\(left)")
    #expect(!log.contains("error:"), "\(log.text)")
  }

  @Test func unreachableHostIsNamedAndTheOtherHostKeepsWorking() async throws {
    let hosts = try SSHHosts(count: 2, withoutSSHD: [1])
    defer { hosts.close() }
    let dead = hosts.machines[1].address
    // Alone, the unreachable host stops the cluster from starting, with the host named.
    let alone = try harness.backend(kwargs(hosts, "[\(dead)]"))
    let log = SSHClusterHarness.Log()
    let error = await #expect(throws: ShoalError.self) {
      try await alone.run(
        context: try harness.context(address: "tcp://\(hosts.schedulerHost):1", log: log))
    }
    #expect(error?.code == .connectionFailed)
    #expect(
      error?.message.contains("host `\(dead)`: unreachable") == true, "\(String(describing: error))"
    )
    #expect(error?.message.contains("Connection refused") == true)

    // With a good host, the cluster starts; the bad one is logged and in backoff.
    let both = try harness.backend(kwargs(hosts, "[\(hosts.machines[0].address), \(dead)]"))
    let log2 = SSHClusterHarness.Log()
    try await harness.running(
      both, context: try harness.context(address: "tcp://\(hosts.schedulerHost):1", log: log2)
    ) { _ in
      #expect(log2.contains("error: host `\(dead)`: unreachable"))
      #expect(log2.contains("retrying it in 2 s"))
      #expect(!log2.contains("host `\(hosts.machines[0].address)`"))
    }
  }

  @Test func refusedKeyIsNamed() async throws {
    let hosts = try SSHHosts(count: 1)
    defer { hosts.close() }
    let address = hosts.machines[0].address
    let backend = try harness.backend(kwargs(hosts, "[\(address)]", key: hosts.wrongKey))
    let log = SSHClusterHarness.Log()
    let error = await #expect(throws: ShoalError.self) {
      try await backend.run(
        context: try harness.context(address: "tcp://\(hosts.schedulerHost):1", log: log))
    }
    #expect(
      error?.message.contains("host `\(address)`: the key was refused (") == true,
      "\(String(describing: error))")
    #expect(error?.message.contains("Permission denied") == true)
    #expect(error?.hint?.contains("authorized_keys") == true)
  }

  @Test func untrustedHostKeyIsNamedWithTheFix() async throws {
    let hosts = try SSHHosts(count: 1)
    defer { hosts.close() }
    let address = hosts.machines[0].address
    let empty = hosts.directory + "/empty_known_hosts"
    try "".write(toFile: empty, atomically: true, encoding: .utf8)
    let backend = try harness.backend(
      "{hosts: [\(address)], connect_options: {identity_file: \(hosts.clientKey), known_hosts_file: \(empty), strict_host_key_checking: yes}}"
    )
    let error = await #expect(throws: ShoalError.self) {
      try await backend.run(
        context: try harness.context(address: "tcp://\(hosts.schedulerHost):1", log: .init()))
    }
    #expect(
      error?.message.contains("host `\(address)`: its host key is not trusted") == true,
      "\(String(describing: error))")
    #expect(error?.hint?.contains("accept-new") == true)
  }

  @Test func remoteShoalNotExecutableMissingOrOfAnotherVersion() async throws {
    let hosts = try SSHHosts(count: 1)
    defer { hosts.close() }
    let address = hosts.machines[0].address
    let plain = hosts.directory + "/plain-shoal"
    try "not a program".write(toFile: plain, atomically: true, encoding: .utf8)
    let old = hosts.directory + "/old-shoal"
    try "#!/bin/sh\necho 0.0.1\n".write(toFile: old, atomically: true, encoding: .utf8)
    chmod(old, 0o755)
    let cases: [(String, String)] = [
      (plain, "`\(plain)` is not executable there"),
      (hosts.directory + "/none", "`\(hosts.directory)/none` does not exist there"),
      (old, "`\(old)` is version 0.0.1, this shoal is version "),
    ]
    for (path, expected) in cases {
      let backend = try harness.backend(
        kwargs(hosts, "[{host: \(address), remote_shoal: \(path)}]"))
      let error = await #expect(throws: ShoalError.self) {
        try await backend.run(
          context: try harness.context(address: "tcp://\(hosts.schedulerHost):1", log: .init()))
      }
      #expect(
        error?.message.contains("host `\(address)`: \(expected)") == true,
        "\(String(describing: error))")
      // The error points at the `remote_shoal` setting.
      #expect(error?.keyPath == "clusters.lab.cluster_kwargs.hosts[0].remote_shoal")
      #expect(error?.location?.line == 5)
    }
  }

  @Test func uploadCopiesOnceThenSkipsIdenticalFiles() async throws {
    let hosts = try SSHHosts(count: 1)
    defer { hosts.close() }
    let folder = hosts.directory + "/uploaded"
    for round in 0..<2 {
      let backend = try harness.backend(
        kwargs(hosts, "[\(hosts.machines[0].address)]", extra: ", upload: {directory: \(folder)}"))
      let log = SSHClusterHarness.Log()
      try await harness.running(
        backend, context: try harness.context(address: "tcp://\(hosts.schedulerHost):1", log: log)
      ) { _ in }
      if round == 0 {
        #expect(log.contains("uploaded shoal to"), "\(log.text)")
      } else {
        #expect(!log.contains("uploaded"), "\(log.text)")
      }
    }
    let copied = try CommandRunner.run(folder + "/shoal", ["--version"])
    #expect(copied.status == 0)
    #expect(
      FileManager.default.contentsEqual(atPath: folder + "/shoal", andPath: BuildProducts.shoal))
  }
}
