import Foundation
import ShoalCore
import Synchronization
import Testing

/// Real processes (`sleep`, `sh`), real signals; every test stops what it started.
@Suite(.serialized) struct ProcessSupervisorTests {
  /// A fast policy: restarts 10 ms apart, a short grace.
  static let fast = ProcessSupervisor.Policy(
    restartLimit: 3, restartWindow: .seconds(60), initialBackoff: .milliseconds(10),
    maximumBackoff: .milliseconds(40), stopGrace: .seconds(2), pollInterval: .milliseconds(10))

  final class Messages: Sendable {
    let lines = Mutex<[(EventLog.Level, String)]>([])
    var log: EventLog {
      EventLog { level, text in self.lines.withLock { $0.append((level, text)) } }
    }
    func contains(_ level: EventLog.Level, _ text: String) -> Bool {
      lines.withLock { $0.contains { $0.0 == level && $0.1.contains(text) } }
    }
  }

  /// Runs `body` with a supervisor whose `run()` is active; cancels it after.
  func supervising(
    _ policy: ProcessSupervisor.Policy = fast, messages: Messages = Messages(),
    _ body: (ProcessSupervisor) async throws -> Void
  ) async throws {
    let supervisor = ProcessSupervisor(policy: policy, log: messages.log)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { await supervisor.run() }
      defer { group.cancelAll() }
      try await body(supervisor)
    }
  }

  /// Polls `condition` up to `seconds`.
  func eventually(_ seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition() { return true }
      try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
  }

  static func isAlive(_ pid: Int32) -> Bool {
    // A zombie still answers kill(0); check /proc for its state.
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return !stat.contains(") Z ")
  }

  @Test func startsAndStopsASleep() async throws {
    try await supervising { supervisor in
      try await supervisor.launch(name: "s", .init(executable: "sleep", arguments: ["30"]))
      let pid = try #require(supervisor.pid(of: "s"))
      #expect(Self.isAlive(pid))
      #expect(supervisor.statuses().map(\.state) == [.running])
      await supervisor.stop(["s"])
      #expect(!Self.isAlive(pid))
      // Killed by SIGTERM: 128 + 15.
      #expect(supervisor.statuses().map(\.state) == [.exited(143)])
      // An expected stop is not restarted.
      try await Task.sleep(for: .milliseconds(100))
      #expect(supervisor.statuses().map(\.restarts) == [0])
    }
  }

  @Test func restartsAnUnexpectedExitThenFailsACrashLoop() async throws {
    let messages = Messages()
    try await supervising(messages: messages) { supervisor in
      try await supervisor.launch(
        name: "bad", .init(executable: "/bin/sh", arguments: ["-c", "exit 3"]))
      let failed = await eventually {
        supervisor.statuses().first.map { "\($0.state)".hasPrefix("failed") } ?? false
      }
      #expect(failed)
      let status = try #require(supervisor.statuses().first)
      #expect(status.restarts == 3)
      #expect("\(status.state)".contains("last status 3"))
      #expect(messages.contains(.error, "bad: exited 4 times"))
      #expect(messages.contains(.warning, "bad exited unexpectedly with status 3"))
      // No more restarts after failing.
      try await Task.sleep(for: .milliseconds(200))
      #expect(supervisor.statuses().first?.restarts == 3)
    }
  }

  @Test func backoffDoublesUpToTheCap() {
    let policy = ProcessSupervisor.Policy()
    #expect(policy.backoff(afterExits: 1) == .milliseconds(500))
    #expect(policy.backoff(afterExits: 2) == .seconds(1))
    #expect(policy.backoff(afterExits: 4) == .seconds(4))
    #expect(policy.backoff(afterExits: 7) == .seconds(30))
    #expect(policy.backoff(afterExits: 100) == .seconds(30))
  }

  @Test func backoffDelaysTheRestart() async throws {
    let policy = ProcessSupervisor.Policy(
      restartLimit: 5, initialBackoff: .milliseconds(600), maximumBackoff: .seconds(5),
      stopGrace: .seconds(2), pollInterval: .milliseconds(10))
    try await supervising(policy) { supervisor in
      let started = ContinuousClock.now
      try await supervisor.launch(
        name: "flaky", .init(executable: "/bin/sh", arguments: ["-c", "exit 1"]))
      let restarted = await eventually { supervisor.statuses().first?.restarts == 1 }
      #expect(restarted)
      // Never earlier than the backoff (a lower bound only: machines are noisy).
      #expect(ContinuousClock.now - started >= .milliseconds(600))
      await supervisor.stop(["flaky"])
    }
  }

  @Test func aKilledProcessIsReplaced() async throws {
    try await supervising { supervisor in
      try await supervisor.launch(name: "w", .init(executable: "sleep", arguments: ["30"]))
      let first = try #require(supervisor.pid(of: "w"))
      kill(first, SIGKILL)
      let replaced = await eventually {
        supervisor.pid(of: "w").map { $0 != first } ?? false
      }
      #expect(replaced)
      #expect(supervisor.statuses().first?.restarts == 1)
      let second = try #require(supervisor.pid(of: "w"))
      await supervisor.stop(["w"])
      #expect(!Self.isAlive(second))
    }
  }

  @Test func stopEscalatesToSIGKILLAfterTheGrace() async throws {
    let messages = Messages()
    let policy = ProcessSupervisor.Policy(
      stopGrace: .milliseconds(300), pollInterval: .milliseconds(10))
    try await supervising(policy, messages: messages) { supervisor in
      // `trap '' TERM` ignores SIGTERM; `exec sleep` keeps it ignored.
      try await supervisor.launch(
        name: "stubborn",
        .init(executable: "/bin/sh", arguments: ["-c", "trap '' TERM; exec sleep 30"]))
      try await Task.sleep(for: .milliseconds(100))
      await supervisor.stop(["stubborn"])
      #expect(supervisor.statuses().first?.state == .exited(137))
      #expect(messages.contains(.warning, "sent SIGKILL"))
    }
  }

  @Test func stopReachesTheWholeProcessGroup() async throws {
    let folder = NSTemporaryDirectory() + "shoal-ps-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try await supervising { supervisor in
      // The child `sleep` writes its pid; the shell waits on it.
      try await supervisor.launch(
        name: "tree",
        .init(
          executable: "/bin/sh", arguments: ["-c", "sleep 30 & echo $! > child.pid; wait"],
          workingDirectory: folder))
      let pidFile = folder + "/child.pid"
      let written = await eventually {
        ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").hasSuffix("\n")
      }
      #expect(written)
      let child = Int32(
        try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
          in: .whitespacesAndNewlines))!
      #expect(Self.isAlive(child))
      await supervisor.stop(["tree"])
      let gone = await eventually(5) { !Self.isAlive(child) }
      #expect(gone)
    }
  }

  @Test func environmentWorkingDirectoryStdinAndLogFile() async throws {
    let folder = NSTemporaryDirectory() + "shoal-ps-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let logFile = folder + "/out.log"
    try "earlier line\n".write(toFile: logFile, atomically: true, encoding: .utf8)
    try await supervising { supervisor in
      try await supervisor.launch(
        name: "echo",
        .init(
          executable: "/bin/sh",
          arguments: [
            "-c",
            "read line; echo \"in=$line env=$SHOAL_TEST_VAR dir=$(pwd)\"; echo oops >&2; sleep 30",
          ],
          environment: ["SHOAL_TEST_VAR": "hello"], workingDirectory: folder, logFile: logFile,
          stdin: Array("secret-token\n".utf8)))
      let logged = await eventually {
        ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").contains("oops")
      }
      #expect(logged)
      let text = try String(contentsOfFile: logFile, encoding: .utf8)
      #expect(text.hasPrefix("earlier line\n"))
      let realFolder = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
      #expect(text.contains("in=secret-token env=hello dir=\(realFolder)"))
      await supervisor.stop(["echo"])
    }
  }

  @Test func aLogFileInFoldersThatDoNotExistYetGetsThem() async throws {
    let folder = NSTemporaryDirectory() + "shoal-ps-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let logFile = folder + "/logs/w-0.log"
    try await supervising { supervisor in
      try await supervisor.launch(
        name: "echo",
        .init(executable: "/bin/sh", arguments: ["-c", "echo hello; sleep 30"], logFile: logFile))
      let logged = await eventually {
        ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "") == "hello\n"
      }
      #expect(logged)
      await supervisor.stop(["echo"])
    }
  }

  @Test func aLogFolderThatCannotBeMadeIsAClearError() async throws {
    try await supervising { supervisor in
      let error = await #expect(throws: ShoalError.self) {
        try await supervisor.launch(
          name: "x",
          .init(executable: "/bin/true", arguments: [], logFile: "/proc/shoal-no-such/w.log"))
      }
      #expect(error?.message.contains("cannot create /proc/shoal-no-such") == true)
    }
  }

  @Test func aMissingExecutableIsAClearError() async throws {
    try await supervising { supervisor in
      let error = await #expect(throws: ShoalError.self) {
        try await supervisor.launch(
          name: "x", .init(executable: "/nonexistent/shoal", arguments: ["worker"]))
      }
      #expect(error?.code == .backendFailed)
      #expect(error?.message.contains("/nonexistent/shoal") == true)
      #expect(error?.message.contains("No such file or directory") == true)
      let state = supervisor.statuses().first.map { "\($0.state)" } ?? ""
      #expect(state.hasPrefix("failed"))
    }
  }

  @Test func aNameCannotBeLaunchedTwice() async throws {
    try await supervising { supervisor in
      try await supervisor.launch(name: "a", .init(executable: "sleep", arguments: ["30"]))
      await #expect(throws: ShoalError.self) {
        try await supervisor.launch(name: "a", .init(executable: "sleep", arguments: ["30"]))
      }
      await supervisor.stop(["a"])
      // Once it is gone the name can be reused.
      try await supervisor.launch(name: "a", .init(executable: "sleep", arguments: ["30"]))
      await supervisor.stop(["a"])
    }
  }

  @Test func cancellingRunStopsEverything() async throws {
    let supervisor = ProcessSupervisor(policy: Self.fast, log: EventLog { _, _ in })
    var pids: [Int32] = []
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await supervisor.run() }
      for index in 0..<3 {
        try? await supervisor.launch(
          name: "p\(index)", .init(executable: "sleep", arguments: ["30"]))
        if let pid = supervisor.pid(of: "p\(index)") { pids.append(pid) }
      }
      group.cancelAll()
    }
    // `run()` returned: nothing it started is alive.
    #expect(pids.count == 3)
    for pid in pids { #expect(!Self.isAlive(pid)) }
    #expect(supervisor.statuses().allSatisfy { $0.state.isFinal })
  }
}
