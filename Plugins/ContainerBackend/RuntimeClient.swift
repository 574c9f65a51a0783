import ShoalCore

/// The runtime commands a cluster needs besides `run`: image checks, pulls, stops,
/// removals and label queries. Each is a short command with a time limit.
struct RuntimeClient: Sendable {
  /// The runtime.
  var runtime: ContainerRuntime

  /// Runs `runtime arguments`.
  func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandResult {
    try await RuntimeCommand.run(runtime.executable, arguments, timeout: timeout)
  }

  /// Whether `image` is in the runtime's local storage.
  func imageExists(_ image: String) async throws -> Bool {
    let result = try await run(
      runtime.isPodman ? ["image", "exists", image] : ["image", "inspect", image])
    if result.succeeded { return true }
    let missing =
      runtime.isPodman
      ? result.status == 1 : result.message.lowercased().contains("no such image")
    if !missing {
      throw ShoalError(
        .backendFailed,
        "\(runtime.name) cannot check image \(image) (exit status \(result.status)): \(result.message)",
        hint: hint)
    }
    return false
  }

  /// A label of `image`, or nil.
  func imageLabel(_ image: String, _ label: String) async throws -> String? {
    let result = try await run(
      ["image", "inspect", "--format", "{{index .Config.Labels \"\(label)\"}}", image])
    guard result.succeeded else { return nil }
    let value = result.stdout.filter { $0 != "\n" }
    return value.isEmpty || value == "<no value>" ? nil : value
  }

  /// Pulls `image`; throws with the runtime's stderr when it cannot.
  func pull(_ image: String) async throws {
    let result = try await run(["pull", image], timeout: .seconds(300))
    guard result.succeeded else {
      throw ShoalError(
        .backendFailed,
        "\(runtime.name) could not pull \(image): \(result.message)",
        hint:
          "this machine may have no registry access: build the image locally with `shoal image build --tag \(image)` (or `\(runtime.name) import`/`load`) and set `pull: never`"
      )
    }
  }

  /// Whether the container `name` exists and is running.
  func isRunning(_ name: String) async -> Bool {
    guard
      let result = try? await run(
        ["container", "inspect", "--format", "{{.State.Running}}", name], timeout: .seconds(30))
    else { return false }
    return result.succeeded && result.stdout.hasPrefix("true")
  }

  /// The containers carrying `label=value`, with their owner label.
  func containers(label: String, value: String) async throws -> [(name: String, owner: String)] {
    let format =
      runtime.isPodman
      ? "{{.Names}}\t{{index .Labels \"\(ContainerLabels.owner)\"}}"
      : "{{.Names}}\t{{.Label \"\(ContainerLabels.owner)\"}}"
    let result = try await run(
      ["ps", "--all", "--filter", "label=\(label)=\(value)", "--format", format],
      timeout: .seconds(60))
    guard result.succeeded else {
      throw ShoalError(
        .backendFailed, "`\(runtime.name) ps` failed: \(result.message)", hint: hint)
    }
    return result.stdout.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard let name = fields.first, !name.isEmpty else { return nil }
      return (String(name), fields.count > 1 ? String(fields[1]) : "")
    }
  }

  /// Stops the containers (`stop -t GRACE`), then removes them; missing ones are fine.
  /// Runs to the end even in a cancelled task: it is cleanup.
  func stopAndRemove(_ names: [String], grace: Int) async {
    guard !names.isEmpty else { return }
    let limit = Duration.seconds(grace + 60)
    _ = try? await RuntimeCommand.run(
      runtime.executable, ["stop", "-t", String(grace)] + names, timeout: limit,
      cancellable: false)
    _ = try? await RuntimeCommand.run(
      runtime.executable, ["rm", "-f"] + names, timeout: limit, cancellable: false)
  }

  /// Where to look when this runtime itself fails.
  var hint: String {
    runtime.isPodman
      ? RuntimeClient.configurationHint
      : "is the docker engine running and reachable (`docker info`)? Or use `runtime: podman`"
  }

  /// Where to look when podman itself fails.
  static let configurationHint =
    "check that the runtime works here (`podman run --rm IMAGE true`); on this kind of host set CONTAINERS_CONF to a containers.conf with runtime = \"runc\", cgroup_manager = \"cgroupfs\" and default_ulimits = [] (see docs/containers.md)"
}
