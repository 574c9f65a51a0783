import Foundation
import ShoalTestSupport
import ShoalWire
import Testing

@testable import ShoalWorker

/// The process side of `ShellTaskRunner`: pipes, exit and descriptors as the worker's
/// one watcher thread (epoll) sees them, with real programs.
@Suite("ShellTaskRunner processes")
struct ShellTaskProcessTests {
  let runner = ShellTaskRunner()

  private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

  @Test func largeStdinArrivesWholeThroughAFullPipe() async {
    // 3 MiB: far more than a pipe holds, so the write goes on as the program reads.
    let input = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let result = await runner.run(ShellTask(command: "md5sum", stdin: input))
    let expected = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "head -c 3145728 | md5sum"], stdin: input))
    #expect(result.status == .succeeded)
    #expect(text(result.output).count == 36)
    #expect(result.output == expected.output)
    let count = await runner.run(ShellTask(command: "wc", arguments: ["-c"], stdin: input))
    #expect(text(count.output).trimmingCharacters(in: .whitespacesAndNewlines) == "3145728")
  }

  @Test func outputHeldByABackgroundChildIsReadToItsEnd() async {
    // The shell exits at once; its background child keeps stdout open and writes later.
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "(sleep 0.3; echo late) & echo early"]))
    #expect(result.status == .succeeded)
    #expect(text(result.output) == "early\nlate\n")
  }

  @Test func aProgramThatClosesItsOutputsIsAwaitedToItsExit() async {
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "echo before; exec >&- 2>&-; sleep 0.3; exit 3"]))
    #expect(result.status == .failed)
    #expect(result.exitCode == 3)
    #expect(text(result.output) == "before\n")
  }

  @Test func withoutPidfdsAProgramThatClosesItsOutputsIsStillAwaitedToItsExit() async {
    // Linux before 5.3: the run ends when the outputs close and the runner reaps the
    // program itself (ChildWait), still with its exit status.
    ChildWatcher.usesPidfds.store(false, ordering: .relaxed)
    defer { ChildWatcher.usesPidfds.store(true, ordering: .relaxed) }
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "echo before; exec >&- 2>&-; sleep 0.3; exit 4"]))
    #expect(result.status == .failed)
    #expect(result.exitCode == 4)
    #expect(text(result.output) == "before\n")
    #expect(result.duration >= 0.3, "returned before the program exited: \(result.duration) s")
  }

  @Test func aRememberedProgramThatIsGoneIsLookedUpAgain() async throws {
    // Found programs are remembered for a second; one removed since is looked up again
    // at once (here: found in the next PATH folder), and a missing one is not found.
    let folder = try TemporaryDirectory.make("lookup")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let first = folder + "/first"
    let second = folder + "/second"
    for (dir, word) in [(first, "first"), (second, "second")] {
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      let script = dir + "/shoal-lookup-probe"
      try "#!/bin/sh\necho \(word)\n".write(toFile: script, atomically: true, encoding: .utf8)
      chmod(script, 0o755)
    }
    let task = ShellTask(
      command: "shoal-lookup-probe", environment: ["PATH": "\(first):\(second):/usr/bin:/bin"])
    let runner = ShellTaskRunner()
    #expect(text(await runner.run(task).output) == "first\n")
    try FileManager.default.removeItem(atPath: first + "/shoal-lookup-probe")
    let again = await runner.run(task)
    #expect(again.status == .succeeded, "\(again.message ?? "")")
    #expect(text(again.output) == "second\n")
    try FileManager.default.removeItem(atPath: second + "/shoal-lookup-probe")
    let gone = await runner.run(task)
    #expect(gone.exitCode == 127, "\(gone.message ?? "")")
    #expect(gone.message?.hasPrefix("command not found: shoal-lookup-probe") == true)
  }

  @Test func manyTasksAtOnceEachGetTheirOwnOutput() async {
    let runner = self.runner
    let results = await withTaskGroup(of: (Int, TaskResult).self) { group in
      for index in 0..<200 {
        group.addTask {
          let result = await runner.run(
            ShellTask(
              command: "sh",
              arguments: ["-c", "echo out-$1; echo err-$1 >&2; exit $(($1 % 3))", "sh", "\(index)"])
          )
          return (index, result)
        }
      }
      var results: [Int: TaskResult] = [:]
      for await (index, result) in group { results[index] = result }
      return results
    }
    #expect(results.count == 200)
    for (index, result) in results {
      #expect(text(result.output) == "out-\(index)\n")
      #expect(text(result.errorOutput) == "err-\(index)\n")
      #expect(result.exitCode == Int32(index % 3))
    }
  }

  @Test func noDescriptorIsLeftOpenAndTasksSeeOnlyTheirOwn() async throws {
    _ = await runner.run(ShellTask(command: "true"))  // the watcher's own descriptors exist now
    let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    for _ in 0..<100 {
      _ = await runner.run(ShellTask(command: "sh", arguments: ["-c", "echo x; echo y >&2"]))
      _ = await runner.run(ShellTask(command: "cat", stdin: Array("in".utf8)))
      _ = await runner.run(
        ShellTask(command: "sleep", arguments: ["5"]), timeout: .milliseconds(1))
    }
    let after = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    // 300 runs: a leak on any path would leave at least 100 more. (A margin, not an
    // equality: other tests' connections in this process may still be closing.)
    #expect(after < before + 50, "\(before) descriptors before the runs, \(after) after")
    // The program gets stdin, stdout and stderr; nothing of the worker's (the listing's
    // own descriptor for the folder is the 4th).
    let listing = await runner.run(ShellTask(command: "ls", arguments: ["/proc/self/fd"]))
    #expect(text(listing.output).split(separator: "\n").sorted() == ["0", "1", "2", "3"])
  }

  @Test func cancellingWhileStdinIsStillBeingWrittenStopsEverything() async {
    let runner = self.runner
    let input = [UInt8](repeating: 66, count: 8 << 20)
    let task = Task {
      await runner.run(ShellTask(command: "sh", arguments: ["-c", "sleep 30"], stdin: input))
    }
    try? await Task.sleep(for: .milliseconds(300))
    task.cancel()
    let result = await task.value
    #expect(result.status == .cancelled)
  }

  @Test func aTimeoutKillsProgramsThatIgnoreTheirPipes() async {
    let result = await runner.run(
      ShellTask(command: "sh", arguments: ["-c", "exec >&- 2>&- <&-; sleep 30"]),
      timeout: .milliseconds(300))
    #expect(result.status == .timedOut)
    #expect(result.exitCode == 128 + SIGKILL)
  }
}
