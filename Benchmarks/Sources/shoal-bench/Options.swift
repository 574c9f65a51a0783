/// The command line: `shoal-bench WORKLOAD [--n N] [--shoal PATH] [--workers N]`.
struct Options {
  var workload = ""
  var n: Int?
  var shoal = "../.build/release/shoal"
  var workers: Int?
  var maximum: Int?
  var token: String?
  var address: String?
  /// bytes: the file of 1 MiB payloads (Benchmarks/harness.py writes random text).
  var payload: String?
  /// memory: also print the idle worker's memory by mapping (stderr).
  var mappings = false

  static let usage = """
    usage: shoal-bench WORKLOAD [--n N] [--shoal PATH] [--workers N]
    workloads: start latency throughput sleep adaptive memory bytes tls plugin-boundary spawn
      group-policy scale soak fairness
    (serve and workers are the scale workload's child processes)
    Prints one JSON line {"figures": {...}} (the scale workload prints a table).
    """

  init(_ arguments: [String]) throws {
    var rest = arguments[...]
    while let argument = rest.popFirst() {
      switch argument {
      case "--n": n = try Self.int(rest.popFirst(), argument)
      case "--workers": workers = try Self.int(rest.popFirst(), argument)
      case "--maximum": maximum = try Self.int(rest.popFirst(), argument)
      case "--shoal":
        guard let value = rest.popFirst() else { throw BenchError("--shoal needs a path") }
        shoal = value
      case "--token": token = rest.popFirst()
      case "--address": address = rest.popFirst()
      case "--mappings": mappings = true
      case "--payload":
        guard let value = rest.popFirst() else { throw BenchError("--payload needs a path") }
        payload = value
      case "-h", "--help": throw BenchError(Self.usage)
      default:
        guard workload.isEmpty, !argument.hasPrefix("-") else {
          throw BenchError("unexpected argument `\(argument)`\n\(Self.usage)")
        }
        workload = argument
      }
    }
    if workload.isEmpty { throw BenchError(Self.usage) }
  }

  private static func int(_ value: String?, _ name: String) throws -> Int {
    guard let value, let number = Int(value), number >= 0 else {
      throw BenchError("\(name) needs a non-negative number")
    }
    return number
  }
}
