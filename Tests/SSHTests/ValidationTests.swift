import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport
import Testing

/// Bad `cluster_kwargs` of an SSH cluster, through the real plugin as `shoal validate`
/// loads it: each error names its position and key path, and nothing connects.
@Suite struct SSHValidationTests {
  let loader = PluginLoader(searchPath: .standard(environment: [:]))

  /// Checks cluster `lab` of a file whose `cluster_kwargs` are `kwargs` (one YAML
  /// flow mapping on line 5, column 21) and `adapt` (line 6).
  func check(_ kwargs: String, adapt: String? = nil) throws -> BackendCheck {
    let yaml = """
      version: 1
      clusters:
        lab:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs: \(kwargs)
      \(adapt.map { "    adapt_kwargs: \($0)" } ?? "")
      """
    let config = try ShoalConfig.parse(yaml, file: "clusters.yaml", environment: [:])
    return ShoalConfig.checkBackend(try config.cluster(named: "lab"), loader: loader)
  }

  func error(_ kwargs: String, adapt: String? = nil) throws -> ShoalError {
    let check = try check(kwargs, adapt: adapt)
    return try #require(check.error, "expected an error for \(kwargs)")
  }

  @Test func validKwargsMakeTheBackendAndSetTheDefaults() throws {
    let check = try check(
      "{hosts: [a, {host: b, slots: 3}], connect_options: {strict_host_key_checking: accept-new}}")
    #expect(check.error == nil)
    #expect(check.initialWorkers == 4)
  }

  @Test func emptyHosts() throws {
    let error = try error("{hosts: []}")
    #expect(error.code == .invalidValue)
    #expect(error.message.contains("`hosts` is empty"))
    #expect(error.keyPath == "clusters.lab.cluster_kwargs.hosts")
    #expect(error.location?.line == 5)
  }

  @Test func zeroSlots() throws {
    let error = try error("{hosts: [a, {host: b, slots: 0}]}")
    #expect(error.message.contains("slots must be from 1 to 4096, found 0"))
    #expect(error.keyPath == "clusters.lab.cluster_kwargs.hosts[1].slots")
    #expect(error.location?.line == 5 && error.location?.column == 50)
  }

  @Test func missingIdentityFile() throws {
    let error = try error("{hosts: [a], connect_options: {identity_file: /nonexistent/id_ed25519}}")
    #expect(error.message.contains("identity file `/nonexistent/id_ed25519` does not exist"))
    #expect(error.keyPath == "clusters.lab.cluster_kwargs.connect_options.identity_file")
    #expect(error.location?.line == 5)
    #expect(error.hint?.contains("ssh-keygen") == true)
  }

  @Test func missingSSHConfigFile() throws {
    let missing = try error("{hosts: [a], ssh_config: /nonexistent/ssh_config}")
    #expect(missing.code == .invalidValue)
    #expect(
      missing.message
        == "ssh config file `/nonexistent/ssh_config` does not exist or is not a readable file")
    #expect(missing.keyPath == "clusters.lab.cluster_kwargs.ssh_config")
    #expect(missing.location?.line == 5 && missing.location?.column == 46)
    #expect(missing.hint?.contains("remove `ssh_config` to use ~/.ssh/config") == true)
    // A folder is not a config file; a readable file is accepted.
    let folder = try TemporaryDirectory.make("shoal-ssh-config")
    #expect(
      try error("{hosts: [a], ssh_config: \(folder)}").keyPath?.hasSuffix("ssh_config") == true)
    let file = try TemporaryDirectory.write("Host a\n  Port 2222\n")
    #expect(try check("{hosts: [a], ssh_config: \(file)}").error == nil)
  }

  @Test func unknownHostKeyPolicy() throws {
    let error = try error("{hosts: [a], connect_options: {strict_host_key_checking: accept_new}}")
    #expect(
      error.message.contains(
        "unknown strict_host_key_checking value `accept_new`; did you mean `accept-new`?"))
    #expect(error.keyPath == "clusters.lab.cluster_kwargs.connect_options.strict_host_key_checking")
    #expect(error.location?.line == 5)
    // YAML 1.1 would read an unquoted `yes`/`no` as booleans; they are accepted as written.
    #expect(try check("{hosts: [a], connect_options: {strict_host_key_checking: no}}").error == nil)
  }

  @Test func misspeltKeys() throws {
    let top = try error("{hosts: [a], connect_option: {user: x}}")
    #expect(top.code == .unknownKey)
    #expect(top.message == "unknown key `connect_option`; did you mean `connect_options`?")
    #expect(top.location?.line == 5)
    let nested = try error("{hosts: [a], connect_options: {identityfile: x}}")
    #expect(nested.message.contains("did you mean `identity_file`?"))
    #expect(nested.keyPath == "clusters.lab.cluster_kwargs.connect_options")
    let host = try error("{hosts: [{host: a, slot: 2}]}")
    #expect(host.message.contains("did you mean `slots`?"))
  }

  @Test func otherBadValues() throws {
    #expect(try error("{hosts: [a, a]}").message.contains("listed twice"))
    #expect(
      try error("{hosts: [{host: a, port: 70000}]}").message.contains(
        "port must be between 1 and 65535"))
    #expect(
      try error("{hosts: [a], connect_options: {ssh_options: [ControlPath=/x]}}").message.contains(
        "managed by Shoal"))
    #expect(
      try error("{hosts: [a], connect_options: {ssh_options: [Compression]}}").message.contains(
        "not an ssh option"))
    #expect(
      try error("{hosts: [a], scheduler_options: {address: 'tcp://a:b'}}").message.contains(
        "not a scheduler address"))
    #expect(try error("{hosts: [a], remote_shoal: /x, upload: true}").message.contains("both set"))
    #expect(
      try error("{hosts: [a], n_workers: 3}").message.contains(
        "n_workers must be between 0 and the pool's capacity (1 slots)"))
    #expect(
      try error("{hosts: [{host: a, env: {'1X': y}}]}").message.contains(
        "not a valid environment variable name"))
    #expect(try error("{hosts: ['-oProxyCommand=x']}").message.contains("must not start with `-`"))
    #expect(try error("{hosts: a}").code == .typeMismatch)
    #expect(
      try error("{hosts: [a], scheduler_options: {host: 0.0.0.0}}").hint?.contains(
        "add `address: HOST`") == true)
    #expect(
      try check("{hosts: [a], scheduler_options: {host: 0.0.0.0, address: head}}").error == nil)
  }

  @Test func shoalValidateReportsThePositionAndExitsNonZero() throws {
    let path = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        lab:
          cluster_class: SSHBackend.SSHCluster
          cluster_kwargs:
            hosts: [a, {host: b, slots: 0}]
      """)
    let output = try CommandRunner.shoal(["validate", "--config", path])
    #expect(output.status != 0)
    #expect(
      output.stderr.contains(
        "\(path):6:35: clusters.lab.cluster_kwargs.hosts[1].slots: slots must be from 1 to 4096, found 0"
      ),
      "\(output.stderr)")
  }

  @Test func adaptMaximumIsClampedToCapacityAndMinimumAboveItRefused() throws {
    let clamped = try check("{hosts: [a, {host: b, slots: 2}]}", adapt: "{minimum: 1, maximum: 8}")
    #expect(clamped.error == nil)
    #expect(clamped.adapt?.maximum == 3)
    let unbounded = try check("{hosts: [a]}", adapt: "{minimum: 0}")
    #expect(unbounded.adapt?.maximum == 1)
    let error = try error("{hosts: [a, b]}", adapt: "{minimum: 3}")
    #expect(error.message.contains("minimum (3) is more than the SSH pool holds: 2 slots"))
    #expect(error.location?.line == 6)
  }
}
