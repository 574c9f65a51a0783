#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `write(2)` under a name that `SecretFile.write` does not shadow.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
  #if canImport(Glibc)
    Glibc.write(fd, bytes, count)
  #else
    Musl.write(fd, bytes, count)
  #endif
}

/// A file that hands a worker its secrets (`ClusterContext.token`: the token and,
/// under TLS, the worker's certificate and key) without putting them on a command line
/// or in a visible environment value. The worker reads it with `--token-file PATH`;
/// a container gets it as a read-only bind mount.
///
/// The core writes one for every cluster before `run` (`ClusterContext.tokenFile`)
/// and `context.workerLaunch` uses it; a backend writes its own only when the context
/// has none (a context made by hand):
///
///     let path = SecretFile.path(in: context)
///     if context.tokenFile == nil { try SecretFile.write(context.token, to: path) }
public enum SecretFile {
  /// `STATE/worker-secret` in the cluster's state folder (`context.tokenFile` when
  /// the core wrote it).
  public static func path(in context: ClusterContext) -> String {
    context.tokenFile ?? path(stateDirectory: context.stateDirectory)
  }

  /// `STATE/worker-secret` in the state folder `stateDirectory`.
  public static func path(stateDirectory: String) -> String {
    stateDirectory + "/worker-secret"
  }

  /// Writes `secret` and a newline to `path`, mode 0600 from the moment it exists
  /// (the folder above is made 0700 when missing).
  public static func write(_ secret: String, to path: String) throws {
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
      _ = mkdir(String(path[..<slash]), 0o700)
    }
    unlink(path)
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw ShoalError(.backendFailed, "cannot write the workers' secret file \(path)")
    }
    defer { close(fd) }
    let bytes = Array((secret + "\n").utf8)
    var written = 0
    while written < bytes.count {
      let result = bytes[written...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
      guard result > 0 else {
        throw ShoalError(.backendFailed, "cannot write the workers' secret file \(path)")
      }
      written += result
    }
  }

  /// Removes the file.
  public static func remove(_ path: String) { unlink(path) }
}
