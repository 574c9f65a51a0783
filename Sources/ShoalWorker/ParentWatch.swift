import CWorkerSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Ties a worker's life to the `shoal` process that started it.
///
/// When `SHOAL_PARENT_PID` is set, the worker asks the kernel for SIGTERM when its
/// parent exits (`prctl(PR_SET_PDEATHSIG)`), and exits at once if its parent is
/// already not that process (the parent died before the request took effect). So a
/// SIGKILLed cluster process leaves no orphaned workers.
public enum ParentWatch {
  /// The environment variable that names the expected parent.
  public static let variable = "SHOAL_PARENT_PID"

  /// What `arm` found.
  public enum Outcome: Sendable, Equatable {
    /// `SHOAL_PARENT_PID` is not set: nothing to watch.
    case notRequested
    /// The parent is the expected one and the death signal is set.
    case watching(parent: Int32)
    /// The parent is already gone (or is another process): the worker must exit.
    case orphaned(expected: Int32, actual: Int32)
    /// `SHOAL_PARENT_PID` is not a process id.
    case invalid(String)
  }

  /// Sets the parent-death signal if `environment` asks for it, then checks the parent.
  public static func arm(environment: [String: String]) -> Outcome {
    guard let text = environment[variable] else { return .notRequested }
    guard let expected = Int32(text), expected > 0 else {
      return .invalid(text)
    }
    _ = shoal_set_parent_death_signal(SIGTERM)
    // Checked after the request: if the parent died in between, getppid() already
    // differs, and no signal would ever come.
    let actual = getppid()
    return actual == expected
      ? .watching(parent: expected) : .orphaned(expected: expected, actual: actual)
  }

  /// Clears the parent-death signal (for tests that arm it in their own process).
  static func disarm() { _ = shoal_set_parent_death_signal(0) }
}
