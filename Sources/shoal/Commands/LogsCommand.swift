import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// `shoal logs NAME [WORKER]`: a worker's output (what its process or container printed).
struct LogsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "logs",
    abstract: "Print a worker's log, or list the worker logs of a cluster.",
    discussion: """
      Worker logs are in the cluster's state folder (STATE/clusters/NAME/logs/WORKER.log); \
      a container worker's log is everything its `podman run` printed. They stay after \
      the worker or the cluster is gone.

      Examples:
        shoal logs boxes                          list the workers that have a log
        shoal logs boxes shoal-boxes-a1b2c3-0     print one worker's log
        shoal logs boxes shoal-boxes-a1b2c3-0 --tail 20
      """)

  @Argument(help: "The cluster's name.") var name: String
  @Argument(help: "The worker's name (as `shoal ps` lists it).") var worker: String?
  @Option(help: "Print only the last N lines.") var tail: Int?
  @OptionGroup var options: ConfigOptions

  func validate() throws {
    if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more, found \(tail)") }
  }

  func run() throws {
    try withErrorReporting {
      let folder = StateFolder.standard().cluster(name) + "/logs"
      let logs = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        .filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }.sorted()
      guard let worker else {
        guard !logs.isEmpty else {
          throw ShoalError(
            .invalidState, "no worker logs for cluster `\(name)` in \(folder)",
            hint: "start it (`shoal up \(name)`); `shoal ps` lists the clusters that are up")
        }
        for log in logs { print("\(log)\t\(folder)/\(log).log") }
        return
      }
      let path = "\(folder)/\(worker).log"
      guard let data = FileManager.default.contents(atPath: path) else {
        throw ShoalError(
          .invalidValue,
          "no log for worker `\(worker)` of cluster `\(name)` (\(path))"
            + Suggestion.didYouMean(worker, in: logs),
          hint: logs.isEmpty
            ? "cluster `\(name)` has no worker logs in \(folder)"
            : "workers with a log: \(logs.joined(separator: ", "))")
      }
      var text = String(decoding: data, as: UTF8.self)
      if let tail {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.last == "" ? lines.dropLast().suffix(tail) : lines.suffix(tail)
        text = kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")
      }
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}
