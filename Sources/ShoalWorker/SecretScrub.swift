#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Removes Shoal's secrets from the worker's own environment once they are read, so
/// that a task reading `/proc/$PPID/environ` (the worker's initial environment block)
/// finds nothing: each value is overwritten in place, then unset.
public enum SecretScrub {
  /// The variables that carry secrets.
  public static let variables = ["SHOAL_TOKEN"]

  /// Overwrites and unsets each of `names` in this process's environment.
  public static func scrub(_ names: [String] = SecretScrub.variables) {
    for name in names {
      guard let value = getenv(name) else { continue }
      // getenv points into the environment block that /proc/PID/environ shows, just
      // after `NAME=`: blank the whole entry, name included.
      let start = value - (name.utf8.count + 1)
      let length = name.utf8.count + 1 + strlen(value)
      unsetenv(name)  // first, while the entry still reads `NAME=`
      memset(start, 0x2A, length)  // `*`
    }
  }
}
