import Foundation
import ShoalTestSupport

/// The podman of this machine, driven with the repository's `.ci/containers.conf`
/// (runc, cgroupfs, no default ulimits: what works on this kernel).
enum Podman {
  /// podman's path, or nil when it is not installed.
  static let path: String? = {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(
      separator: ":")
    {
      let candidate = "\(folder)/podman"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }()

  /// Whether the container tests can run.
  static var isAvailable: Bool { path != nil }

  /// What is missing for the container suites, nil when podman is installed.
  static var unavailableReason: String? {
    path != nil
      ? nil
      : "podman is not installed: apt-get install -y podman runc busybox-static (see docs/containers.md)"
  }

  /// The containers.conf the tests use.
  static let configuration = BuildProducts.repositoryRoot + "/.ci/containers.conf"

  /// The environment every podman (and every `shoal` that runs podman) gets.
  static var environment: [String: String] { ["CONTAINERS_CONF": configuration] }

  /// Points this process (and so the plugin under test) at the repository's containers.conf.
  static func configureProcess() {
    setenv("CONTAINERS_CONF", configuration, 1)
  }

  /// Runs `podman ARGUMENTS`.
  @discardableResult
  static func run(_ arguments: [String], timeout: Double = 120) throws -> CommandOutput {
    try CommandRunner.run(path!, arguments, environment: environment, timeout: timeout)
  }

  /// Names of the containers (running or not) with `label=value`.
  /// Throws when podman fails (it can, briefly, while containers are being removed),
  /// so that a failure is never read as "no containers".
  static func containers(label: String, value: String) throws -> [String] {
    let output = try run([
      "ps", "--all", "--filter", "label=\(label)=\(value)", "--format", "{{.Names}}",
    ])
    guard output.status == 0 else { throw PodmanFailure(output: output.stderr) }
    return output.stdout.split(separator: "\n").map(String.init).sorted()
  }

  struct PodmanFailure: Error, CustomStringConvertible {
    var output: String
    var description: String { "podman ps failed: \(output)" }
  }

  /// Removes every container with `label=value`; the tests' `defer`.
  static func removeAll(label: String, value: String) {
    guard let names = try? containers(label: label, value: value), !names.isEmpty else { return }
    _ = try? run(["rm", "--force", "--time", "0"] + names)
  }

  /// The default worker image, built once per test run from this build folder.
  static let image: Result<String, any Error> = Result {
    let output = try CommandRunner.shoal(
      ["image", "build", "--reuse"], environment: environment, timeout: 600)
    guard output.status == 0 else {
      throw ImageBuildFailure(output: output.stdout + output.stderr)
    }
    return "localhost/shoal-worker:latest"
  }

  struct ImageBuildFailure: Error, CustomStringConvertible {
    var output: String
    var description: String { "shoal image build failed:\n\(output)" }
  }
}
