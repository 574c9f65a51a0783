// `import ShoalClient` is enough to submit tasks: the task types (`TaskSpec`,
// `TaskResult`) live in the wire module and come with it, and the TLS settings that
// `Executor.connect(..., tls:)` takes (`TLSSettings`, `TLSFiles`) in ShoalTLS.
@_exported import ShoalTLS
@_exported import ShoalWire
