import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// `shoal ps`: the detached clusters that are up, with their workers.
struct PsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ps",
    abstract: "List the clusters that are up, with their workers and dashboards.",
    discussion: """
      For each cluster: its state (running, closing, dead when its process is gone, \
      unresponsive when it did not answer within --timeout), address, queued and \
      running tasks; each worker's state, slots, running tasks, tasks done and failed \
      since it connected, CPU (percent of one core, over a quarter second) and memory \
      of its process and its tasks (local workers only), time since it connected, and \
      restarts; and for adaptive clusters the bounds, the target and the last scaling \
      decisions; each cluster's dashboard URL. Temporary clusters (started by `shoal \
      run` or `map` for one command) are listed while they run, marked temporary with \
      that command.

      Examples:
        shoal ps
        shoal ps burst --json
      """)

  @Argument(help: "Only these clusters.") var names: [String] = []
  @Flag(help: "Print JSON instead of tables.") var json = false
  @OptionGroup var options: ConfigOptions
  @Option(help: "Seconds to wait for each cluster's answer.") var timeout: Double = 5

  func validate() throws { try SecondsOption.check(timeout, "--timeout") }

  func run() async throws {
    try await withErrorReporting {
      let limit = Duration.milliseconds(Int64(timeout * 1000))
      var statuses = await DetachedCluster.statuses(
        names: names.isEmpty ? nil : names, stateFolder: .standard(), timeout: limit)
      let temporary = await DetachedCluster.temporaryStatuses(
        stateFolder: .standard(), timeout: limit)
      statuses += temporary.filter { names.isEmpty || names.contains($0.name) }
      if json {
        try JSONOutput.print(statuses)
        return
      }
      if statuses.isEmpty {
        print("no clusters are up (start one with `shoal up NAME --detach`)")
        return
      }
      print(PsCommand.render(statuses), terminator: "")
    }
  }

  static func render(_ statuses: [ClusterStatus]) -> String {
    var rows = [
      ["CLUSTER", "STATE", "ADDRESS", "WORKERS", "SLOTS", "RUNNING", "QUEUED", "ADAPTIVE"]
    ]
    for status in statuses {
      rows.append([
        status.name + (status.temporary == true ? " (temporary)" : ""), status.state,
        status.address ?? "-", String(status.workers.count),
        String(status.totalSlots), String(status.running), String(status.queued),
        status.adaptive.map(adaptiveSummary) ?? "-",
      ])
    }
    var text = Table.render(rows)
    for status in statuses {
      if let note = status.note { text += "\n\(status.name): \(note)\n" }
      if let dashboard = status.dashboard { text += "\n\(status.name) dashboard: \(dashboard)\n" }
      if let command = status.command { text += "\(status.name) owned by: \(command)\n" }
      if let groups = status.groups { text += renderGroups(status.name, groups) }
      if !status.workers.isEmpty {
        var header: [String] = [
          "  WORKER", "STATE", "SLOTS", "RUNNING", "DONE", "FAILED", "CPU", "MEMORY", "UP",
          "RESTARTS", "WHERE",
        ]
        if status.groups != nil { header.append("GROUP") }
        var workerRows = [header]
        for worker in status.workers {
          var row: [String] = [
            "  " + worker.name, worker.state + (worker.retiring ? " (retiring)" : ""),
            String(worker.slots), String(worker.running),
            worker.completed.map(String.init) ?? "-", worker.failed.map(String.init) ?? "-",
            worker.usage.map { String(format: "%.0f%%", $0.cpuPercent) } ?? "-",
            worker.usage.map { memory($0.memoryBytes) } ?? "-",
            worker.uptimeSeconds.map { MapProgress.duration($0) } ?? "-",
            String(worker.restarts), worker.location ?? "-",
          ]
          if status.groups != nil { row.append(worker.group ?? "-") }
          workerRows.append(row)
        }
        text += "\n\(status.name) workers:\n" + Table.render(workerRows)
      }
      if let adaptive = status.adaptive, !adaptive.decisions.isEmpty {
        text += "\n\(status.name) last decisions:\n"
        for decision in adaptive.decisions.suffix(5) {
          text += "  \(clock(decision.time))  \(decision)\n"
        }
      }
    }
    return text
  }

  /// The worker groups of a cluster with `groups:`, in fill order.
  static func renderGroups(_ cluster: String, _ groups: [GroupStatus]) -> String {
    var rows = [
      ["  GROUP", "PRIORITY", "CLASS", "RESOURCES", "WORKERS", "PLANNED", "BOUNDS", "ADAPTIVE"]
    ]
    for group in groups {
      rows.append([
        "  " + group.name, String(group.priority), group.clusterClass, group.resources,
        String(group.connected), String(group.planned),
        "\(group.minimum)..\(group.maximum.map(String.init) ?? "∞")",
        group.adaptive ? "on" : "off (scaled by hand)",
      ])
    }
    var text = "\n\(cluster) groups:\n" + Table.render(rows)
    for group in groups {
      if let last = group.lastDecision { text += "  \(group.name): \(last)\n" }
    }
    return text
  }

  /// `12.3 MiB`, `1.20 GiB`.
  static func memory(_ bytes: Int) -> String {
    let mebibytes = Double(bytes) / 1_048_576
    return mebibytes < 1024
      ? String(format: "%.1f MiB", mebibytes) : String(format: "%.2f GiB", mebibytes / 1024)
  }

  static func adaptiveSummary(_ adaptive: ClusterStatus.Adaptive) -> String {
    guard adaptive.enabled else { return "off (scaled by hand)" }
    let bounds = "\(adaptive.minimum)..\(adaptive.maximum.map(String.init) ?? "∞")"
    return bounds + (adaptive.target.map { ", target \($0)" } ?? "")
  }

  static func clock(_ time: Double) -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "HH:mm:ss"
    return formatter.string(from: Date(timeIntervalSince1970: time))
  }
}
