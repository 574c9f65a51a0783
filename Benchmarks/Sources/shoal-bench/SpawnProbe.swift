import Foundation
import ShoalWire
import ShoalWorker

/// `shoal-bench spawn --n N`: what one shell command costs through the worker's
/// `ShellTaskRunner` (posix_spawn, pipes and the exit watched by one epoll thread) against the floor of a direct
/// `posix_spawn`, both running `true 1` with stdout and stderr captured, one command at a
/// time. CPU is this process's and its children's (getrusage), per command.
enum SpawnProbe {
  static func run(_ options: Options) async throws -> Figures {
    let n = options.n ?? 2000
    let runner = ShellTaskRunner()
    let task = ShellTask(command: "true", arguments: ["1"])
    var figures = Figures()
    for round in 0..<2 {  // the first round warms both up; the second is reported
      var (wall, cpu) = (ContinuousClock.now, cpuSeconds())
      for _ in 0..<n {
        let result = await runner.run(task)
        guard result.status == .succeeded else {
          throw BenchError("true ended \(result.status): \(result.message ?? "")")
        }
      }
      if round == 1 {
        figures["spawn_runner_wall_ms"] = 1000 * seconds(since: wall) / Double(n)
        figures["spawn_runner_cpu_ms"] = 1000 * (cpuSeconds() - cpu) / Double(n)
      }
      (wall, cpu) = (ContinuousClock.now, cpuSeconds())
      try await onOwnThread { for _ in 0..<n { try spawnDirectly() } }
      if round == 1 {
        figures["spawn_direct_wall_ms"] = 1000 * seconds(since: wall) / Double(n)
        figures["spawn_direct_cpu_ms"] = 1000 * (cpuSeconds() - cpu) / Double(n)
      }
    }
    return figures
  }

  /// User + system seconds of this process and of its waited-for children.
  static func cpuSeconds() -> Double {
    var mine = rusage()
    var children = rusage()
    getrusage(RUSAGE_SELF.rawValue, &mine)
    getrusage(RUSAGE_CHILDREN.rawValue, &children)
    func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return value(mine.ru_utime) + value(mine.ru_stime) + value(children.ru_utime)
      + value(children.ru_stime)
  }

  /// Runs `body` on a thread of its own (it blocks in `waitpid`), not on the shared pool.
  static func onOwnThread(_ body: @escaping @Sendable () throws -> Void) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
      Thread { continuation.resume(with: Result { try body() }) }.start()
    }
  }

  /// `true 1` in its own process group, stdin /dev/null, stdout and stderr read to
  /// their end through pipes, then `waitpid`: what a spawn costs without helper threads.
  static func spawnDirectly() throws {
    var output: [Int32] = [0, 0]
    var errors: [Int32] = [0, 0]
    guard pipe(&output) == 0, pipe(&errors) == 0 else { throw BenchError("pipe failed") }
    for descriptor in output + errors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, output[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("true"), strdup("1"), nil]
    defer { arguments.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/usr/bin/true", &actions, &attributes, arguments, environ)
    close(output[1])
    close(errors[1])
    var buffer = [UInt8](repeating: 0, count: 4096)
    while read(output[0], &buffer, buffer.count) > 0 {}
    while read(errors[0], &buffer, buffer.count) > 0 {}
    close(output[0])
    close(errors[0])
    guard spawned == 0 else { throw BenchError("posix_spawn failed: \(spawned)") }
    var status: Int32 = 0
    guard waitpid(pid, &status, 0) == pid, status == 0 else { throw BenchError("true failed") }
  }
}
