import NIOCore

// TaskSpec:
//
//     +----------+------------------------+-----------------+---------+-------------+
//     | flags u8 | timeout ns Int64 (opt) | resources (opt) | kind u8 | kind fields |
//     +----------+------------------------+-----------------+---------+-------------+
//     flags: bit 0 timeout present, bit 1 stream output (`Message.output`),
//            bit 2 resources present (see ResourceSet+Wire.swift)
//     kind 0 shell:  command, arguments [string], environment {string:string},
//                    workingDirectory string?, stdin bytes?
//     kind 1 swift:  library, name, inputType, outputType, input bytes
//
// TaskResult:
//
//     +-----------+----------+----------------+--------------------+
//     | status u8 | flags u8 | exitCode Int32 | duration f64 bits  |
//     +-----------+----------+----------------+--------------------+
//     then output bytes, errorOutput bytes, message string?, worker string?
//     flags: bit 0 exitCode present, bit 1 truncated
//
// The codec works on raw memory (`WireWriter`, `WireReader`); the ByteBuffer methods
// below wrap one spec or result, `Message` batches of them.

extension ByteBuffer {
  /// Writes `spec` in the wire encoding.
  public mutating func writeTaskSpec(_ spec: TaskSpec) {
    writeWithUnsafeMutableBytes(minimumWritableBytes: spec.wireSize) { memory in
      var writer = WireWriter(memory)
      writer.taskSpec(spec)
      return writer.offset
    }
  }

  /// Reads a spec written by `writeTaskSpec`.
  public mutating func readTaskSpec() throws -> TaskSpec {
    let (spec, used) = try withUnsafeReadableBytes { memory in
      var reader = WireReader(memory)
      return (try reader.taskSpec(), reader.offset)
    }
    moveReaderIndex(forwardBy: used)
    return spec
  }

  /// Writes `result` in the wire encoding.
  public mutating func writeTaskResult(_ result: TaskResult) {
    writeWithUnsafeMutableBytes(minimumWritableBytes: result.wireSize) { memory in
      var writer = WireWriter(memory)
      writer.taskResult(result)
      return writer.offset
    }
  }

  /// Reads a result written by `writeTaskResult`.
  public mutating func readTaskResult() throws -> TaskResult {
    let (result, used) = try withUnsafeReadableBytes { memory in
      var reader = WireReader(memory)
      return (try reader.taskResult(), reader.offset)
    }
    moveReaderIndex(forwardBy: used)
    return result
  }
}

extension WireWriter {
  mutating func taskSpec(_ spec: TaskSpec) {
    let stream: UInt8 = spec.streamsOutput ? 2 : 0
    let needs: UInt8 = spec.resources.isEmpty ? 0 : 4
    if let timeout = spec.timeout {
      integer(1 | stream | needs)
      let (seconds, attoseconds) = timeout.components
      let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
      integer(
        nanoseconds.overflow ? Int64.max : nanoseconds.partialValue &+ attoseconds / 1_000_000_000)
    } else {
      integer(stream | needs)
    }
    if needs != 0 { resources(spec.resources) }
    switch spec.kind {
    case .shell(let shell):
      integer(UInt8(0))
      string(shell.command)
      integer(UInt32(shell.arguments.count))
      for argument in shell.arguments { string(argument) }
      integer(UInt32(shell.environment.count))
      // Sorted so that the same map always encodes to the same bytes.
      for key in shell.environment.keys.sorted() {
        string(key)
        string(shell.environment[key]!)
      }
      optionalString(shell.workingDirectory)
      if let stdin = shell.stdin {
        integer(UInt8(1))
        bytes(stdin)
      } else {
        integer(UInt8(0))
      }
    case .swift(let call):
      integer(UInt8(1))
      string(call.library)
      string(call.name)
      string(call.inputType)
      string(call.outputType)
      bytes(call.input)
    }
  }

  mutating func taskResult(_ result: TaskResult) {
    integer(result.status.wireValue)
    var flags: UInt8 = 0
    if result.exitCode != nil { flags |= 1 }
    if result.truncated { flags |= 2 }
    integer(flags)
    integer(result.exitCode ?? 0)
    integer(result.duration.bitPattern)
    bytes(result.output)
    bytes(result.errorOutput)
    optionalString(result.message)
    optionalString(result.worker)
  }
}

extension WireReader {
  /// A task timeout: 0 to `WireProtocol.maxTimeoutNanoseconds`.
  mutating func timeoutNanoseconds() throws -> Int64 {
    let nanoseconds: Int64 = try integer("timeout")
    guard nanoseconds >= 0 else { throw WireError(.malformed, "negative task timeout") }
    guard nanoseconds <= WireProtocol.maxTimeoutNanoseconds else {
      throw WireError(
        .malformed,
        "task timeout of \(nanoseconds) ns is over the limit of \(WireProtocol.maxSeconds) s")
    }
    return nanoseconds
  }

  /// A duration in seconds (an IEEE double): finite, 0 to `WireProtocol.maxSeconds`.
  mutating func seconds(_ field: String) throws -> Double {
    let value = Double(bitPattern: try integer(as: UInt64.self, field))
    // The literal is `WireProtocol.maxSeconds` (a static let costs an accessor call per
    // result in a debug build; the hot-path guard counts it). NaN fails `>= 0`.
    guard value >= 0, value <= 1e9 else {
      throw WireError(
        .malformed,
        "`\(field)` is \(value) s; it must be a finite number from 0 to \(WireProtocol.maxSeconds)")
    }
    return value
  }

  mutating func taskSpec() throws -> TaskSpec {
    var timeout: Duration?
    let flags: UInt8 = try integer("flags")
    guard flags & ~7 == 0 else { throw WireError(.malformed, "unknown task flags \(flags)") }
    let streamsOutput = flags & 2 != 0
    if flags & 1 != 0 {
      timeout = .nanoseconds(try timeoutNanoseconds())
    }
    var needs = ResourceSet()
    if flags & 4 != 0 { needs = try resources() }
    switch try integer(as: UInt8.self, "kind") {
    case 0:
      let command = try string("command")
      let arguments = try strings("arguments")
      let environment = try stringMap("environment")
      let workingDirectory = try optionalString("workingDirectory")
      let stdin = try flag("stdin") ? try bytes("stdin") : nil
      return TaskSpec(
        .shell(
          ShellTask(
            command: command, arguments: arguments, environment: environment,
            workingDirectory: workingDirectory, stdin: stdin)), timeout: timeout,
        streamsOutput: streamsOutput, resources: needs)
    case 1:
      let library = try string("library")
      let name = try string("name")
      let inputType = try string("inputType")
      let outputType = try string("outputType")
      let input = try bytes("input")
      return TaskSpec(
        .swift(
          SwiftTaskCall(
            library: library, name: name, inputType: inputType, outputType: outputType,
            input: input)), timeout: timeout, streamsOutput: streamsOutput, resources: needs)
    case let other:
      throw WireError(.malformed, "unknown task kind \(other)")
    }
  }

  mutating func taskResult() throws -> TaskResult {
    let rawStatus: UInt8 = try integer("status")
    guard let status = TaskResult.Status(wireValue: rawStatus) else {
      throw WireError(.malformed, "unknown task status \(rawStatus)")
    }
    let flags: UInt8 = try integer("flags")
    guard flags & ~3 == 0 else { throw WireError(.malformed, "unknown result flags \(flags)") }
    let exitCode: Int32 = try integer("exitCode")
    let duration = try seconds("duration")
    return TaskResult(
      status: status, exitCode: flags & 1 != 0 ? exitCode : nil,
      output: try bytes("output"), errorOutput: try bytes("errorOutput"),
      truncated: flags & 2 != 0, message: try optionalString("message"),
      worker: try optionalString("worker"), duration: duration)
  }
}

extension TaskSpec {
  /// About how many bytes the spec takes on the wire (for packing batches).
  public var estimatedWireSize: Int {
    switch kind {
    case .shell(let shell):
      var size = 32 + shell.command.utf8.count + (shell.stdin?.count ?? 0)
      for argument in shell.arguments { size += 4 + argument.utf8.count }
      for (key, value) in shell.environment { size += 8 + key.utf8.count + value.utf8.count }
      return size + (shell.workingDirectory?.utf8.count ?? 0)
    case .swift(let call):
      return 40 + call.library.utf8.count + call.name.utf8.count + call.inputType.utf8.count
        + call.outputType.utf8.count + call.input.count
    }
  }

  /// Exactly how many bytes `writeTaskSpec` writes.
  var wireSize: Int {
    var size = timeout == nil ? 2 : 10  // flags, timeout, kind
    if !resources.isEmpty { size += resources.wireSize }
    switch kind {
    case .shell(let shell):
      size += 4 + shell.command.utf8.count + 4
      for argument in shell.arguments { size += 4 + argument.utf8.count }
      size += 4
      for (key, value) in shell.environment { size += 8 + key.utf8.count + value.utf8.count }
      size += 2
      if let workingDirectory = shell.workingDirectory { size += 4 + workingDirectory.utf8.count }
      if let stdin = shell.stdin { size += 4 + stdin.count }
    case .swift(let call):
      size +=
        20 + call.library.utf8.count + call.name.utf8.count + call.inputType.utf8.count
        + call.outputType.utf8.count + call.input.count
    }
    return size
  }
}

extension TaskResult {
  /// About how many bytes the result takes on the wire (for packing batches).
  public var estimatedWireSize: Int {
    40 + output.count + errorOutput.count + (message?.utf8.count ?? 0)
      + (worker?.utf8.count ?? 0)
  }

  /// Exactly how many bytes `writeTaskResult` writes.
  var wireSize: Int {
    // `if let` rather than `Optional.map`: a debug build allocates for the closure.
    var size = 24 + output.count + errorOutput.count
    if let message { size += 4 + message.utf8.count }
    if let worker { size += 4 + worker.utf8.count }
    return size
  }
}
