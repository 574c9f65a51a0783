import Foundation

// shoal-hotpath [TASKS] [BATCH]: runs TASKS no-op tasks (default 10,000) through the
// scheduler's hot path in batches of BATCH (default 100) and prints the count.
// Meant to run under `valgrind --tool=callgrind`; see Benchmarks/hotpath-guard.
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let tasks = arguments.first ?? 10_000
let batch = arguments.dropFirst().first ?? 100
do {
  var hotPath = try HotPath(workers: 2)
  let received = try hotPath.run(tasks: tasks, batch: batch)
  print("tasks \(tasks) batch \(batch) results \(received)")
} catch {
  print("shoal-hotpath: \(error)")
  exit(1)
}
