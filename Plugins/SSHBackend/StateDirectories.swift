import SSHSupport
import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The local folders of an SSH cluster, under the cluster's state folder, for the
/// backend of cluster name NAME (a worker group's backend gets `CLUSTER-GROUP`, so two
/// SSH groups of one cluster share the folders without sharing a file):
///
///     STATE/logs/NAME-ssh-3.log        one worker session's output (ssh + remote worker)
///     STATE/logs/NAME-ssh-master-0.log host 0's master connection
///     STATE/ssh/tmp-TAG/               output of short commands
///     STATE/ssh/TAG-c0                 host 0's control socket
///
/// TAG is 8 hex digits of a hash of NAME (`tag(for:)`), short for the socket's sake.
/// A Unix socket path holds at most 107 bytes, and `ssh` adds a 17-byte suffix while
/// creating one; when the state folder is too deep for that, the sockets go to a
/// private (0700) folder under /tmp instead.
struct StateDirectories: Sendable {
  /// Worker and master logs.
  var logs: String
  /// Short-command output.
  var scratch: String
  /// The folder of the control sockets.
  var sockets: String

  /// Tells the control sockets of two backends sharing `sockets` apart.
  var tag: String

  /// The longest socket folder that still leaves room for `/TAG-c99` and ssh's suffix.
  static let maximumSocketFolder = 71

  /// Creates the folders (0700) for the backend named `clusterName` of a cluster whose
  /// state folder is `state`.
  init(state: String, clusterID: String, clusterName: String) throws {
    let root = state + "/ssh"
    tag = StateDirectories.tag(for: clusterName)
    logs = state + "/logs"
    scratch = root + "/tmp-" + tag
    sockets =
      root.utf8.count <= StateDirectories.maximumSocketFolder
      ? root : "/tmp/shoal-\(getuid())-\(StateDirectories.safeName(clusterID).prefix(16))"
    for folder in [state, root, logs, scratch, sockets] {
      try StateDirectories.makeFolder(folder)
    }
  }

  /// The control socket of host `index`.
  func controlPath(for index: Int) -> String { "\(sockets)/\(tag)-c\(index)" }

  /// 8 hex digits of the FNV-1a hash of `name`.
  static func tag(for name: String) -> String {
    var hash: UInt32 = 0x811c_9dc5
    for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }

  /// Removes what only this run needs: the scratch folder and, when it is a private
  /// folder under /tmp, the socket folder once no other backend's socket is left in
  /// it. Logs stay.
  func removeTemporary() {
    StateDirectories.removeFlat(scratch)
    if sockets.hasPrefix("/tmp/shoal-") {
      StateDirectories.removeFlat(sockets, only: tag + "-")
    }
  }

  /// `mkdir -p` with mode 0700 for new folders.
  static func makeFolder(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      if mkdir(current, 0o700) != 0 && errno != EEXIST {
        throw ShoalError(
          .backendFailed, "cannot create \(current): \(String(cString: strerror(errno)))")
      }
    }
  }

  /// Removes the files of a folder (not recursing; with `only`, the files whose names
  /// start with it) and the folder, when that left it empty.
  static func removeFlat(_ path: String, only prefix: String = "") {
    guard let directory = opendir(path) else { return }
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." && name.hasPrefix(prefix) { unlink(path + "/" + name) }
    }
    closedir(directory)
    rmdir(path)
  }

  /// `name` with anything but letters, digits, `-`, `_` and `.` replaced by `_`.
  static func safeName(_ name: String) -> String {
    String(
      name.map { character in
        character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character))
          ? character : "_"
      })
  }
}
