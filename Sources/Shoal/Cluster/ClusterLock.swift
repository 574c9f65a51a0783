import ShoalCore

#if canImport(Glibc)
  import Glibc
#endif

/// The lock a cluster process holds (`flock`) for as long as it is up: the liveness
/// test for `shoal ps` that survives pid reuse and a SIGKILLed owner (the kernel drops
/// the lock with the process).
public final class ClusterLock: Sendable {
  private let fd: Int32
  /// The lock file.
  public let path: String

  /// Takes the lock at `path`; throws `.invalidState` when another process holds it.
  public init(path: String, clusterName: String) throws {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw ShoalError(
        .invalidState, "cannot open \(path): \(String(cString: strerror(errno)))")
    }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      close(fd)
      throw ShoalError(
        .invalidState, "cluster `\(clusterName)` is already up (its lock \(path) is held)",
        hint: "use it with `--cluster \(clusterName)`, or stop it with `shoal down \(clusterName)`")
    }
    self.fd = fd
    self.path = path
  }

  /// Whether some process holds the lock at `path` now.
  public static func isHeld(_ path: String) -> Bool {
    let fd = open(path, O_RDWR | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    if flock(fd, LOCK_EX | LOCK_NB) == 0 {
      flock(fd, LOCK_UN)
      return false
    }
    return errno == EWOULDBLOCK
  }

  deinit {
    flock(fd, LOCK_UN)
    close(fd)
  }
}
