#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A child whose stdout and stderr (and stdin, when asked) are pipes that this process
/// reads (and writes) while it runs: the worker's shell tasks. Spawned the way every
/// Shoal child is (`posix_spawn`, its own process group, signals reset, descriptors
/// above 2 closed); this process's ends of the pipes are non-blocking and close-on-exec,
/// for an event loop to watch. The caller owns the descriptors and reaps the child.
public struct PipedChild: Sendable {
  /// The child's pid, which is also its process group's id.
  public let pid: Int32
  /// The write end of its stdin, or nil when its stdin is /dev/null.
  public let input: Int32?
  /// The read end of its stdout.
  public let output: Int32
  /// The read end of its stderr.
  public let errorOutput: Int32

  /// Starts `executable` (a path: no `$PATH` lookup here) with `arguments` and exactly
  /// `environment`, in `workingDirectory` (nil: this process's). Throws
  /// `ShoalError(.backendFailed)` naming the program and the system's reason.
  public static func spawn(
    _ executable: String, _ arguments: [String], environment: EnvironmentBlock,
    workingDirectory: String? = nil, withInput: Bool = false
  ) throws -> PipedChild {
    var opened: [Int32] = []
    func makePipe(parentReads: Bool) throws -> (child: Int32, parent: Int32) {
      guard let fds = Spawner.makePipe() else {
        throw ShoalError(
          .backendFailed, "cannot make a pipe for `\(executable)`: \(Spawner.errorText(errno))",
          hint: "the worker may have run out of file descriptors (ulimit -n)")
      }
      let (read, write) = fds
      opened += [read, write]
      let parent = parentReads ? read : write
      // Non-blocking only on this process's end: the child's stays blocking. (A new
      // pipe's status flags are just its access mode, which F_SETFL leaves alone.)
      _ = fcntl(parent, F_SETFL, O_NONBLOCK)
      return parentReads ? (write, read) : (read, write)
    }
    var succeeded = false
    defer { if !succeeded { for fd in opened { close(fd) } } }
    let stdout = try makePipe(parentReads: true)
    let stderr = try makePipe(parentReads: true)
    let stdin = withInput ? try makePipe(parentReads: false) : nil

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    try Spawner.setUp(
      &actions, stdin: stdin.map { .descriptor($0.child) } ?? .file("/dev/null", flags: O_RDONLY),
      stdout: .descriptor(stdout.child), stderr: .descriptor(stderr.child),
      workingDirectory: workingDirectory)

    let (pid, result) = Spawner.withCStrings([executable] + arguments) { argv in
      withExtendedLifetime(environment) {
        Spawner.launch(
          executable, &actions, argv: argv, envp: environment.pointers, newProcessGroup: true)
      }
    }
    guard result == 0 else {
      throw Spawner.startFailure(executable, result, workingDirectory: workingDirectory)
    }
    succeeded = true
    close(stdout.child)
    close(stderr.child)
    if let stdin { close(stdin.child) }
    return PipedChild(
      pid: pid, input: stdin?.parent, output: stdout.parent, errorOutput: stderr.parent)
  }
}

/// An environment for `PipedChild.spawn`, converted to C strings once: a runner that
/// starts many children with the same environment pays the conversion once, not per
/// child.
public final class EnvironmentBlock: @unchecked Sendable {
  // Unchecked: the block is written once in `init` and only read (by `posix_spawn`)
  // afterwards; `deinit` frees it when no spawn can use it any more.
  private let block: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
  private let count: Int

  /// `variables` as `KEY=VALUE` entries, in key order.
  public init(_ variables: [String: String]) {
    let entries = variables.sorted { $0.key < $1.key }
    count = entries.count
    block = .allocate(capacity: entries.count + 1)
    for (index, entry) in entries.enumerated() {
      block[index] = strdup("\(entry.key)=\(entry.value)")
    }
    block[entries.count] = nil
  }

  /// The NULL-terminated `envp` array; valid while this block lives.
  var pointers: UnsafePointer<UnsafeMutablePointer<CChar>?> { UnsafePointer(block) }

  deinit {
    for index in 0..<count { free(block[index]) }
    block.deallocate()
  }
}
