import ShoalCore

/// The program that runs containers: `podman` or `docker`, found on `PATH`.
public struct ContainerRuntime: Sendable, Hashable, CustomStringConvertible {
  /// `podman` or `docker`.
  public var name: String
  /// The executable's path.
  public var executable: String

  /// A runtime at a known path.
  public init(name: String, executable: String) {
    self.name = name
    self.executable = executable
  }

  /// The runtimes Shoal drives, in the order a missing `runtime` key tries them.
  public static let supported = ["podman", "docker"]

  /// Whether this is podman (which has `--replace` and `host.containers.internal`).
  public var isPodman: Bool { name == "podman" }

  /// The host name containers on a bridge network use to reach the host.
  public var hostGatewayName: String {
    isPodman ? "host.containers.internal" : "host.docker.internal"
  }

  /// Finds `requested` (a name or a path; nil = the first supported runtime on `PATH`).
  public static func find(_ requested: String?, path: String? = nil) throws -> ContainerRuntime {
    let searchPath = path ?? HostSystem.environment("PATH") ?? ""
    let install =
      "install podman and runc (apt-get install -y podman runc) or docker, then point CONTAINERS_CONF at a containers.conf that works on this host (see docs/containers.md)"
    guard let requested else {
      for name in supported {
        if let executable = HostSystem.which(name, path: searchPath) {
          return ContainerRuntime(name: name, executable: executable)
        }
      }
      throw ShoalError(
        .invalidValue,
        "no container runtime found: looked for \(supported.joined(separator: " and ")) on PATH (\(searchPath))",
        hint: install)
    }
    let name = requested.split(separator: "/").last.map(String.init) ?? requested
    guard supported.contains(name) else {
      throw ShoalError(
        .invalidValue,
        "runtime must be podman or docker, found \"\(requested)\""
          + Suggestion.didYouMean(name, in: supported))
    }
    guard let executable = HostSystem.which(requested, path: searchPath) else {
      let others = supported.filter { $0 != name && HostSystem.which($0, path: searchPath) != nil }
      throw ShoalError(
        .invalidValue,
        "runtime \(name) is not installed: looked for `\(requested)` "
          + (requested.contains("/") ? "" : "on PATH (\(searchPath))")
          + (others.isEmpty ? "" : "; \(others.joined(separator: ", ")) is installed"),
        hint: others.isEmpty ? install : "set `runtime: \(others[0])`, or \(install)")
    }
    return ContainerRuntime(name: name, executable: executable)
  }

  public var description: String { "\(name) (\(executable))" }
}
