// The TLS settings that `Executor.connect(..., tls:)` takes (`TLSSettings`, `TLSFiles`).
@_exported import ShoalTLS
// `import Shoal` is enough to submit tasks: the task types (`TaskSpec`, `TaskResult`)
// live in the wire module and come with it.
@_exported import ShoalWire
