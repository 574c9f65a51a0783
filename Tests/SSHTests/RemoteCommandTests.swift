import Foundation
import SSHSupport
import ShoalTestSupport
import Testing

/// The remote scripts, run by a real `sh` the way sshd runs a remote command
/// (`$SHELL -c STRING`), without SSH.
@Suite struct RemoteCommandTests {
  @Test func quotingSurvivesTheShell() throws {
    let words = [
      "plain", "with space", "it's", "$HOME", "a\"b", "back\\slash", "", "tab\tnew\nline",
    ]
    let command = (["printf", "'[%s]'"] + words.map(RemoteCommand.quote)).joined(separator: " ")
    let output = try CommandRunner.run("/bin/sh", ["-c", command])
    #expect(output.stdout == words.map { "[\($0)]" }.joined())
  }

  @Test func homePathsExpandRemotely() throws {
    let output = try CommandRunner.run(
      "/bin/sh", ["-c", "printf %s " + RemoteCommand.path("~/a b/shoal")],
      environment: ["HOME": "/home/x"])
    #expect(output.stdout == "/home/x/a b/shoal")
  }

  /// A fake worker that reads the token from stdin (as `--token-file -` does),
  /// reports it, and runs until killed.
  func fakeWorker(_ folder: String) -> [String] {
    [
      "/bin/sh", "-c",
      RemoteCommand.quote("read t; echo \"token=$t\" > \(folder)/seen; exec sleep 60"),
    ]
  }

  func waitFor(_ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
      if condition() { return true }
      usleep(20_000)
    }
    return condition()
  }

  /// Whether `pid` runs (a zombie, which an orphan becomes when its new parent does
  /// not reap it, counts as gone).
  func alive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    guard let close = stat.lastIndex(of: ")") else { return false }
    return !stat[close...].hasPrefix(") Z")
  }

  func pids(in file: String) -> [Int32] {
    ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: " ")
      .compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
  }

  @Test func wrapperPassesTheTokenOnStdinAndStopEndsTheWorker() throws {
    let folder = try TemporaryDirectory.make()
    let pidFolder = folder + "/pids"
    let remote = RemoteCommand.worker(directory: pidFolder, name: "w1", command: fakeWorker(folder))
    #expect(!remote.contains("secret"))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", remote]
    let input = Pipe()
    process.standardInput = input
    try process.run()
    input.fileHandleForWriting.write(Data("secret-token\n".utf8))
    try input.fileHandleForWriting.close()
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    #expect(waitFor { pids(in: pidFolder + "/w1.pid").count == 2 })
    #expect(
      waitFor {
        (try? String(contentsOfFile: folder + "/seen", encoding: .utf8)) == "token=secret-token\n"
      })
    let workerPIDs = pids(in: pidFolder + "/w1.pid")

    let stop = try CommandRunner.run(
      "/bin/sh",
      ["-c", RemoteCommand.stop(directory: pidFolder, names: ["w1"], grace: .seconds(5))])
    #expect(stop.status == 0)
    #expect(waitFor { !process.isRunning })
    #expect(workerPIDs.allSatisfy { !alive($0) })
    #expect(!FileManager.default.fileExists(atPath: pidFolder))
  }

  @Test func wrapperEndsTheWorkerWhenItsSessionGoesAway() throws {
    let folder = try TemporaryDirectory.make()
    let pidFolder = folder + "/pids"
    let remote = RemoteCommand.worker(directory: pidFolder, name: "w2", command: fakeWorker(folder))
    // The intermediate shell plays the sshd session process: the wrapper's parent.
    let session = Process()
    session.executableURL = URL(fileURLWithPath: "/bin/sh")
    session.arguments = ["-c", "echo tok | sh -c \(RemoteCommand.quote(remote)) & wait"]
    try session.run()
    #expect(waitFor { pids(in: pidFolder + "/w2.pid").count == 2 })
    let workerPIDs = pids(in: pidFolder + "/w2.pid")
    kill(session.processIdentifier, SIGKILL)
    #expect(waitFor { workerPIDs.allSatisfy { !alive($0) } })
  }

  @Test func probeReportsMissingNotExecutableAndVersion() throws {
    let folder = try TemporaryDirectory.make()
    let plain = folder + "/plain"
    _ = FileManager.default.createFile(atPath: plain, contents: Data("x".utf8))
    let fake = folder + "/fake-shoal"
    try "#!/bin/sh\necho 9.9.9\n".write(toFile: fake, atomically: true, encoding: .utf8)
    chmod(fake, 0o755)
    let broken = folder + "/broken"
    try "#!/bin/sh\necho 'cannot load libswiftCore.so' >&2; exit 127\n".write(
      toFile: broken, atomically: true, encoding: .utf8)
    chmod(broken, 0o755)
    func probe(_ path: String) throws -> String {
      try CommandRunner.run("/bin/sh", ["-c", RemoteCommand.probe(remoteShoal: path)]).stdout
    }
    #expect(try probe(folder + "/nothing") == "shoal-probe missing\n")
    #expect(try probe("no-such-shoal-on-path") == "shoal-probe missing\n")
    #expect(try probe(plain) == "shoal-probe not-executable\n")
    #expect(try probe(folder) == "shoal-probe not-executable\n")
    #expect(try probe(fake) == "shoal-probe version 9.9.9\n")
    #expect(try probe(broken) == "shoal-probe broken 127\ncannot load libswiftCore.so\n")
  }

  @Test func uploadWritesAtomicallyAndHashesWhatExists() throws {
    let folder = try TemporaryDirectory.make()
    let source = folder + "/source"
    try "payload".write(toFile: source, atomically: true, encoding: .utf8)
    let target = folder + "/remote dir"
    let write = try CommandRunner.run(
      "/bin/sh",
      [
        "-c",
        RemoteCommand.write(directory: target, name: "shoal") + " < " + RemoteCommand.quote(source),
      ])
    #expect(write.status == 0)
    #expect(FileManager.default.isExecutableFile(atPath: target + "/shoal"))
    let hashes = try CommandRunner.run(
      "/bin/sh", ["-c", RemoteCommand.hashes(directory: target, names: ["shoal", "missing.so"])])
    #expect(hashes.stdout.hasSuffix("  shoal\n"))
    #expect(hashes.stdout.split(separator: "\n").count == 1)
  }
}
