import Foundation
import ShoalCore
import ShoalTestSupport
import Testing

/// ShoalCore's `ShortCommand`, the one runner of short commands (SSH, containers,
/// Slurm, the image builder), with real programs.
@Suite struct ShortCommandTests {
  @Test func keepsStdoutStderrAndTheExitStatus() async throws {
    let outcome = try await ShortCommand("sh", ["-c", "echo out; echo err >&2; exit 3"])
      .run(timeout: .seconds(30))
    #expect(outcome.status == 3)
    #expect(!outcome.succeeded)
    #expect(outcome.stdout == "out\n")
    #expect(outcome.stderr == "err\n")
    #expect(outcome.message == "err")
    #expect(!outcome.timedOut && !outcome.cancelled)
  }

  @Test func inputBytesReachStdin() async throws {
    let script = "#!/bin/sh\n#SBATCH -N 1\necho hi\n"
    let outcome = try await ShortCommand("cat", input: Array(script.utf8))
      .run(timeout: .seconds(30))
    #expect(outcome.succeeded)
    #expect(outcome.stdout == script)
  }

  @Test func environmentAndWorkingDirectoryApply() async throws {
    let folder = try TemporaryDirectory.make("s18-short")
    let outcome = try await ShortCommand(
      "sh", ["-c", "echo $S18_VALUE; pwd"], environment: ["S18_VALUE": "seen"],
      workingDirectory: folder
    ).run(timeout: .seconds(30))
    let resolved = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
    #expect(outcome.stdout == "seen\n\(resolved)\n")
  }

  @Test func aCommandPastItsTimeLimitIsKilledWithItsGroup() async throws {
    let folder = try TemporaryDirectory.make("s18-short")
    let marker = folder + "/child.pid"
    // A background child in the same group must die too.
    let outcome = try await ShortCommand(
      "sh", ["-c", "sleep 60 & echo $! > \(marker); wait"]
    ).run(timeout: .milliseconds(300))
    #expect(outcome.timedOut)
    #expect(outcome.status == -1)
    let child = try #require(
      Int32(
        (try String(contentsOfFile: marker, encoding: .utf8)).trimmingCharacters(
          in: .whitespacesAndNewlines)))
    let gone = await eventually(10) { kill(child, 0) != 0 || Self.isZombie(child) }
    #expect(gone, "the background child \(child) outlived its command")
  }

  @Test func aCancellableCommandStopsWithItsTask() async throws {
    let task = Task {
      try await ShortCommand("sleep", ["60"], cancellable: true).run(timeout: .seconds(120))
    }
    try await Task.sleep(for: .milliseconds(200))
    task.cancel()
    let outcome = try await task.value
    #expect(outcome.cancelled)
    #expect(!outcome.timedOut)
    #expect(outcome.status == -1)
  }

  @Test func aCommandThatMustFinishRunsToItsEndInACancelledTask() async throws {
    let task = Task {
      try await ShortCommand("sh", ["-c", "sleep 0.3; echo done"]).run(timeout: .seconds(30))
    }
    task.cancel()
    let outcome = try await task.value
    #expect(outcome.succeeded)
    #expect(outcome.stdout == "done\n")
  }

  @Test func aMissingProgramIsAClearErrorWithTheHint() async throws {
    do {
      _ = try await ShortCommand("s18-no-such-program", hintWhenMissing: "install s18")
        .run(timeout: .seconds(5))
      Issue.record("a missing program started")
    } catch let error as ShoalError {
      #expect(error.code == .backendFailed)
      #expect("\(error)".contains("s18-no-such-program"))
      #expect(error.hint == "install s18")
    }
  }

  @Test func aCombinedOutputFileIsKeptWhenAsked() async throws {
    let folder = try TemporaryDirectory.make("s18-short")
    let file = folder + "/both.log"
    let outcome = try await ShortCommand(
      "sh", ["-c", "echo one; echo two >&2"], combinedOutputFile: file, keepsOutputFile: true
    ).run(timeout: .seconds(30))
    #expect(outcome.stdout == "one\ntwo\n")
    #expect(ShortCommand.fileContents(file) == "one\ntwo\n")
    #expect(ShortCommand.fileContents(file, lastBytes: 4) == "two\n")
  }

  static func isZombie(_ pid: Int32) -> Bool {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return stat.contains(") Z ")
  }
}
