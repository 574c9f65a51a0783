import Foundation
import ShoalTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 17: `shoal scheduler`, `shoal worker` and connecting commands as a new user
/// meets them: readable network errors, token files, the worker's default give-up,
/// log lines on a terminal.
@Suite(.serialized) struct SchedulerWorkerCLITests {
  let folder: String
  let environment: [String: String]

  init() throws {
    folder = try TemporaryDirectory.make("s17-sched")
    environment = ["SHOAL_STATE_DIR": folder + "/state"]
  }

  /// A TCP socket listening on 127.0.0.1 at a free port: a port the test made busy.
  final class BusyPort {
    let descriptor: Int32
    let port: Int
    init() throws {
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      address.sin_port = 0
      let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      guard bound == 0, listen(fd, 1) == 0 else {
        close(fd)
        throw TestFailure("cannot bind a test port")
      }
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          getsockname(fd, $0, &length)
        }
      }
      descriptor = fd
      port = Int(UInt16(bigEndian: address.sin_port))
    }
    deinit { close(descriptor) }
  }

  /// Starts `shoal scheduler --port 0 ARGUMENTS` and reads its address line.
  func scheduler(_ arguments: [String], environment: [String: String]? = nil) async throws
    -> (process: Spawned, address: String)
  {
    let process = try Spawned(
      ["scheduler", "--port", "0"] + arguments, environment: environment ?? self.environment)
    try await eventually("the scheduler prints its address") {
      process.stdout.hasSuffix("\n") || !process.process.isRunning
    }
    let line = process.stdout
    guard line.hasPrefix("address: ") else {
      process.stop()
      throw TestFailure("scheduler did not start: \(process.stderr)")
    }
    return (process, String(line.dropFirst("address: ".count).dropLast()))
  }

  @Test func aBusyPortIsReportedPlainlyWithAHintAndNoTokenFile() throws {
    let busy = try BusyPort()
    let tokenFile = folder + "/never-written-token"
    let result = try CommandRunner.shoal(
      ["scheduler", "--port", String(busy.port), "--token-file", tokenFile], timeout: 30)
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr.hasPrefix(
        "error: cannot listen on 127.0.0.1:\(busy.port): address already in use\n"),
      "\(result.stderr)")
    #expect(result.stderr.contains("--port 0 picks a free one"))
    #expect(!result.stderr.contains("errno"))
    #expect(!result.stderr.contains("Error:"))
    #expect(!FileManager.default.fileExists(atPath: tokenFile))
  }

  @Test func nobodyListeningIsConnectionRefused() throws {
    let port = try BusyPort().port  // bound, then closed: nothing listens there now
    let tokenFile = try TemporaryDirectory.write("s17token\n", named: "token")
    let result = try CommandRunner.shoal(
      ["run", "--address", "tcp://127.0.0.1:\(port)", "--token-file", tokenFile, "--", "true"],
      timeout: 30)
    #expect(result.status == 1)
    #expect(
      result.stderr.hasPrefix(
        "error: no scheduler answers at tcp://127.0.0.1:\(port): connection refused\n"),
      "\(result.stderr)")
    #expect(!result.stderr.contains("errno"))
    let bare = try CommandRunner.shoal(
      ["run", "--address", "127.0.0.1:\(port)", "--token-file", tokenFile, "--", "true"],
      timeout: 30)
    #expect(bare.stderr.contains("connection refused"), "\(bare.stderr)")
  }

  @Test func theDefaultTokenFileIsInTheStateFolderAndAnAddressClusterNamesItsOwn() async throws {
    let (scheduler, address) = try await scheduler([])
    defer { scheduler.stop() }
    let tokenFile = folder + "/state/token"
    #expect(FileManager.default.fileExists(atPath: tokenFile))
    let worker = try Spawned(
      ["worker", address, "--token-file", tokenFile, "--nthreads", "1"], environment: environment)
    defer { worker.stop() }

    // The connecting commands find the same default file.
    let run = try CommandRunner.shoal(
      ["run", "--address", address, "--", "echo", "via", "default"], environment: environment)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "via default\n")

    // A cluster declared with `address:` and `token_file:`, reached from another state
    // folder (so the default token file is not there): no --token-file needed.
    let hostPort = String(address.dropFirst("tcp://".count))
    let config = try TemporaryDirectory.write(
      "version: 1\nclusters:\n  shared:\n    address: \(hostPort)\n    token_file: \(tokenFile)\n")
    let elsewhere = ["SHOAL_STATE_DIR": folder + "/elsewhere"]
    let named = try CommandRunner.shoal(
      ["run", "--config", config, "--cluster", "shared", "--", "echo", "via", "token_file"],
      environment: elsewhere)
    #expect(named.status == 0, "\(named.stderr)")
    #expect(named.stdout == "via token_file\n")
    // --token-file on the command line wins.
    let wrong = try TemporaryDirectory.write("not-the-token\n", named: "token")
    let overridden = try CommandRunner.shoal(
      ["run", "--config", config, "--cluster", "shared", "--token-file", wrong, "--", "true"],
      environment: elsewhere)
    #expect(overridden.status == 1)
    #expect(overridden.stderr.contains("wrong token"), "\(overridden.stderr)")
  }

  @Test func aWorkerGivesUpAMinuteAfterItsSchedulerIsGone() async throws {
    let tokenFile = folder + "/token-\(UUID().uuidString.prefix(6))"
    let (scheduler, address) = try await scheduler(["--token-file", tokenFile])
    defer { scheduler.stop() }
    let worker = try Spawned(["worker", address, "--token-file", tokenFile, "--nthreads", "1"])
    defer { worker.stop() }
    try await eventually("the worker connects") {
      worker.stderr.contains("connected") || !worker.process.isRunning
    }
    scheduler.signal(SIGTERM)
    #expect(await scheduler.exitStatus(within: 30) == 0)
    // The default --give-up-after is 60 s: the worker exits with status 3 after it.
    let status = await worker.exitStatus(within: 120)
    #expect(status == 3, "\(worker.stderr)")
    #expect(
      worker.stderr.contains("(--give-up-after 60 s)")
        || worker.stderr.contains("--give-up-after 60"), "\(worker.stderr)")
  }

  @Test func logLinesOnATerminalClearTheLineFirst() throws {
    // A scheduler on a terminal for a moment: its log lines start with `\r` + erase to
    // the end of the line, so that they replace a progress bar instead of running into it.
    let screen = try Terminal.run(
      ["scheduler", "--port", "0", "--token-file", folder + "/tty-token"], columns: 100,
      prompt: "address: ", input: "SIGINT")
    #expect(screen.contains("\r\u{1B}[K"), "\(screen.debugDescription)")
    #expect(screen.contains("scheduler listening"), "\(screen.debugDescription)")
  }
}

/// A test's own precondition that did not hold.
struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
