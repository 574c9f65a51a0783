import Foundation

// shoal-bench WORKLOAD [--n N] [--shoal PATH]: one workload, one JSON line of figures.
// Run by Benchmarks/harness.py (through Benchmarks/compare); see docs/benchmarks.md.
let workloads: [String: @Sendable (Options) async throws -> Figures] = [
  "start": LocalClusterWorkloads.start,
  "start-processes": Workloads.start,
  "adaptive": LocalClusterWorkloads.adaptive,
  "latency": Workloads.latency,
  "throughput": Workloads.throughput,
  "sleep": Workloads.sleep,
  "memory": Workloads.memory,
  "bytes": Workloads.bytes,
  "tls": TLSWorkloads.tls,
  "plugin-boundary": PluginBoundary.run,
  "spawn": SpawnProbe.run,
  "group-policy": GroupPolicyBench.run,
]

do {
  let options = try Options(Array(CommandLine.arguments.dropFirst()))
  switch options.workload {
  case "scale": try await Scale.run(options)
  case "soak": try await Soak.run(options)
  case "fairness": try await Fairness.run(options)
  case "serve": try await Children.serve(options)
  case "workers": try await Children.workers(options)
  default:
    guard let workload = workloads[options.workload] else {
      throw BenchError("unknown workload `\(options.workload)`\n\(Options.usage)")
    }
    defer { try? FileManager.default.removeItem(atPath: LocalClusterWorkloads.statePath) }
    print(try await workload(options).json())
  }
} catch {
  FileHandle.standardError.write(Data("shoal-bench: \(error)\n".utf8))
  exit(2)
}
