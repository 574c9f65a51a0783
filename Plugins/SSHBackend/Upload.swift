import SSHSupport
import ShoalCore

/// `upload`: copies the local `shoal` and the workers' task libraries into a folder
/// on each host, over the host's master connection, and
/// skips every file whose SHA-256 there already matches.
///
/// Files are written to a temporary name and renamed, so a running worker keeps its
/// binary. The remote `shoal` finds the task libraries next to itself (the plugin
/// search path has its own folder); each carries its own copy of ShoalCore. The
/// Swift runtime is not copied: the host needs it (see docs/ssh.md).
struct Upload: Sendable {
  /// One file to copy.
  struct File: Sendable, Hashable {
    /// Its name in the remote folder.
    var name: String
    /// Its local path.
    var path: String
    /// Its SHA-256, hex.
    var sha256: String
  }

  /// The remote folder (relative to the remote home, or absolute).
  var directory: String
  /// The files.
  var files: [File]

  /// The files to copy: `shoal` and `lib<M>.so` for each task
  /// library, found next to `shoal` or on the plugin search path. Hashes them locally.
  static func collect(
    directory: String, shoal: String, taskLibraries: [String], scratch: String
  ) async throws -> Upload {
    let folder = shoal.split(separator: "/", omittingEmptySubsequences: false).dropLast()
      .joined(separator: "/")
    let search = PluginSearchPath.standard(executableDirectory: folder.isEmpty ? "." : folder)
    var paths: [(String, String)] = [("shoal", shoal)]
    for module in taskLibraries {
      guard let path = search.find(module: module) else {
        throw ShoalError(
          .backendFailed,
          "upload: task library `\(module)` (lib\(module).so) is not on the plugin search path:\n"
            + search.listing,
          hint: "build it, or add its folder to SHOAL_PLUGIN_PATH")
      }
      paths.append(("lib\(module).so", path))
    }
    let outcome = try await ShortCommand(
      executable: "sha256sum", arguments: paths.map(\.1),
      outputFile: HostConnection.scratchFile(in: scratch, -1)
    ).run(timeout: .seconds(120))
    let hashes = Upload.parse(outcome.output)
    var files: [File] = []
    for (name, path) in paths {
      guard outcome.status == 0, let hash = hashes[path] else {
        throw ShoalError(.backendFailed, "upload: cannot hash \(path): \(outcome.lastLines())")
      }
      files.append(File(name: name, path: path, sha256: hash))
    }
    return Upload(directory: directory, files: files)
  }

  /// Copies what differs to `connection`'s host; returns the names it copied.
  func run(on connection: HostConnection) async throws -> [String] {
    let names = files.map(\.name)
    let before = Upload.parse(
      try await connection.execute(RemoteCommand.hashes(directory: directory, names: names)))
    let stale = files.filter { before[$0.name] != $0.sha256 }
    for file in stale {
      try await connection.execute(
        RemoteCommand.write(directory: directory, name: file.name), stdinFile: file.path)
    }
    guard !stale.isEmpty else { return [] }
    let after = Upload.parse(
      try await connection.execute(RemoteCommand.hashes(directory: directory, names: names)))
    for file in stale where after[file.name] != file.sha256 {
      throw HostFailure(
        host: connection.host,
        reason: "upload of \(file.name) to \(directory) did not arrive intact (SHA-256 differs)")
    }
    return stale.map(\.name)
  }

  /// `HASH  NAME` lines -> [NAME: HASH].
  static func parse(_ output: String) -> [String: String] {
    var result: [String: String] = [:]
    for line in output.split(separator: "\n") {
      let parts = line.split(separator: " ", maxSplits: 1)
      guard parts.count == 2, parts[0].count == 64 else { continue }
      var name = parts[1]
      while name.first == " " || name.first == "*" { name.removeFirst() }
      result[String(name)] = String(parts[0])
    }
    return result
  }
}
