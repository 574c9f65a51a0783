import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// `shoal events NAME [--follow] [--json]`: what happened to a cluster.
struct EventsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "events",
    abstract: "Show a cluster's events: scaling, workers joining, leaving and failing.",
    discussion: """
      The events of the cluster's current (or last) run, oldest first: adaptive
      decisions with their reasons, scale requests (`shoal scale`, `shoal adapt`),
      workers joining and leaving, workers failing with the end of their log. The
      dashboard page shows the same events. They are kept in
      $XDG_STATE_HOME/shoal/clusters/NAME/events.jsonl, one JSON object a line.

      Examples:
        shoal events burst
        shoal events burst --follow          keep printing until the cluster is down
        shoal events burst --json | jq .     one JSON object per line
      """)

  @Argument(help: "The cluster's name (as given to `shoal up`).") var name: String
  @Flag(name: .shortAndLong, help: "Keep printing new events until the cluster is down.")
  var follow = false
  @Flag(help: "Print one JSON object per line.") var json = false

  func run() async throws {
    try await withErrorReporting {
      let folder = StateFolder.standard()
      let path = folder.eventsFile(name)
      guard FileManager.default.fileExists(atPath: path) else {
        let up = folder.recordedNames()
        throw ShoalError(
          .invalidState,
          "no events recorded for cluster `\(name)` (no \(path))"
            + (up.isEmpty ? "" : "; clusters up: \(up.joined(separator: ", "))"),
          hint:
            "start it with `shoal up \(name) --detach`; `shoal ps` lists the clusters that are up")
      }
      var offset = 0
      var quietSince = ContinuousClock.now
      while true {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        if data.count < offset { offset = 0 }  // a new run started the file again
        let end = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        if end > offset {
          emit(data[offset..<end])
          offset = end
          quietSince = .now
        }
        guard follow else { return }
        if !ClusterLock.isHeld(folder.lockFile(name)),
          ContinuousClock.now - quietSince > .seconds(1)
        {
          FileHandle.standardError.write(Data("cluster `\(name)` is down\n".utf8))
          return
        }
        try await Task.sleep(for: .milliseconds(200))
      }
    }
  }

  private func emit(_ lines: Data) {
    if json {
      FileHandle.standardOutput.write(lines)
      return
    }
    let text = EventJournal.decode(Data(lines)).map { $0.line + "\n" }.joined()
    FileHandle.standardOutput.write(Data(text.utf8))
  }
}
