import Foundation
import NIOCore
import Shoal
import ShoalTestSupport
import ShoalWire
import Testing

/// A `shoal scheduler` process under attack by connections that never log in, or that
/// log in and leave a huge partial frame: it keeps serving real peers, does not spin,
/// rate-limits its warnings, and gives the memory back.
@Suite(.serialized) struct ResourceExhaustionTests {
  /// CPU seconds (user + system) the process used so far.
  static func cpuSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
    let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
    return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
  }

  /// Resident memory of the process, in MB.
  static func residentMB(_ pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Double(line.split(separator: " ")[1]) ?? 0) / 1024
  }

  /// Warning lines of the scheduler's log (StreamLogHandler: `DATE warning LABEL: ...`).
  static func warnings(_ path: String) -> Int {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
      .count { $0.contains(" warning ") }
  }

  @Test func idleSocketsUnderALowFileLimitNeitherLockOutPeersNorSpin() async throws {
    let folder = try TemporaryDirectory.make("s12-fd")
    let tokenFile = folder + "/token"
    let scheduler = try await SchedulerProcess.start(
      ["--port", "0", "--token-file", tokenFile], fileLimit: 256)
    var idle: [RawPeer] = []
    do {
      let token = try String(contentsOfFile: tokenFile, encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      // More connections than the scheduler has descriptors, none of which says hello.
      for _ in 0..<300 { idle.append(try await RawPeer.connect(port: scheduler.port)) }
      try await Task.sleep(for: .milliseconds(300))
      let pid = scheduler.process.processIdentifier
      let cpuBefore = Self.cpuSeconds(pid)
      let start = ContinuousClock.now
      // A real client still gets in, well before the 10 s handshake timeout frees
      // anything (it waited for that before).
      let client = try await Executor.connect(
        address: scheduler.address, token: token, timeout: .seconds(5))
      let connectTime = ContinuousClock.now - start
      await client.close()
      // The oldest connections without a hello were shed, with a reason: the scheduler
      // keeps at most a quarter of its 256 descriptors for them (it held all 256 before).
      let shed = try await idle[0].messagesUntilClosed(timeout: .seconds(5))
      let refusal = shed.compactMap { message -> Refusal? in
        if case .refused(let refusal) = message { return refusal }
        return nil
      }.first
      #expect(refusal?.reason == "overloaded", "\(shed)")
      let descriptors =
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
      #expect(descriptors < 128, "the scheduler has \(descriptors) descriptors open")
      try await Task.sleep(for: .seconds(2))
      let cpu = Self.cpuSeconds(pid) - cpuBefore
      let elapsed = (ContinuousClock.now - start).components.seconds
      print(
        "s12 figures: client connected after \(connectTime); scheduler CPU \(cpu) s in \(elapsed) s; \(descriptors) descriptors open"
      )
      // Spinning on a readable listening socket burnt what CPU it could get (0.3 to 0.7 s
      // of 2 s on this shared machine, a whole core on an idle one).
      #expect(cpu < 1.0, "the scheduler used \(cpu) s of CPU in \(elapsed) s while idle")
      // Connections beyond the pending limit were shed with a refusal, and the log
      // holds a few warnings, not one per connection.
      let warnings = Self.warnings(scheduler.stderrPath)
      #expect(warnings <= 12, "\(warnings) warning lines")
    } catch {
      for peer in idle { await peer.close() }
      _ = try? await scheduler.stop()
      throw error
    }
    for peer in idle { await peer.close() }
    #expect(try await scheduler.stop() == 0)
  }

  @Test func garbageConnectionsWriteAFewWarningsNotOneEach() async throws {
    let folder = try TemporaryDirectory.make("s12-warn")
    let scheduler = try await SchedulerProcess.start(["--port", "0", "--token-file", folder + "/t"])
    do {
      for _ in 0..<100 {
        let peer = try await RawPeer.connect(port: scheduler.port)
        try await peer.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        _ = try await peer.messagesUntilClosed()
      }
    } catch {
      _ = try? await scheduler.stop()
      throw error
    }
    #expect(try await scheduler.stop() == 0)
    let warnings = Self.warnings(scheduler.stderrPath)
    #expect(warnings >= 1)
    #expect(warnings <= 10, "\(warnings) warning lines for 100 garbage connections")
  }

  @Test func memoryOfAPartialFrameIsReleasedWhenItsPeerLeaves() async throws {
    let folder = try TemporaryDirectory.make("s12-rss")
    let tokenFile = folder + "/token"
    let scheduler = try await SchedulerProcess.start(["--port", "0", "--token-file", tokenFile])
    let pid = scheduler.process.processIdentifier
    do {
      let token = try String(contentsOfFile: tokenFile, encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      let before = Self.residentMB(pid)
      let peer = try await RawPeer.connect(port: scheduler.port)
      try await peer.send(.hello(Hello(role: .client, name: "big", token: token)))
      // A frame that announces 64 MiB - 16 and sends the first 60 MiB of it.
      let length = UInt32(WireProtocol.defaultMaxFrameSize - 16)
      try await peer.send(
        [
          UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
          UInt8(length & 0xFF), MessageType.submit,
        ])
      let chunk = [UInt8](repeating: 0x41, count: 1 << 20)
      for _ in 0..<60 { try await peer.send(chunk) }
      try await eventually("the scheduler buffered the partial frame", timeout: .seconds(30)) {
        Self.residentMB(pid) > before + 50
      }
      let holding = Self.residentMB(pid)
      await peer.close()
      let released = await eventually(10) { Self.residentMB(pid) < before + 15 }
      let after = Self.residentMB(pid)
      print(
        "s12 figures: scheduler RSS \(before) MB before, \(holding) MB holding, \(after) MB after")
      #expect(released, "RSS \(before) MB before, \(holding) MB with the frame, \(after) MB after")
    } catch {
      _ = try? await scheduler.stop()
      throw error
    }
    #expect(try await scheduler.stop() == 0)
  }
}
