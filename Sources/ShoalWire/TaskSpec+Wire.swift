import NIOCore

// TaskSpec:
//
//     +---------------+------------------------+----------+---------------+
//     | flags u8      | timeout ns Int64 (opt) | kind u8  | kind fields   |
//     +---------------+------------------------+----------+---------------+
//     flags: bit 0 timeout present, bit 1 stream output (`Message.output`)
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

extension ByteBuffer {
  /// Writes `spec` in the wire encoding.
  public mutating func writeTaskSpec(_ spec: TaskSpec) {
    let stream: UInt8 = spec.streamsOutput ? 2 : 0
    if let timeout = spec.timeout {
      writeInteger(1 | stream)
      let (seconds, attoseconds) = timeout.components
      let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
      writeInteger(
        nanoseconds.overflow ? Int64.max : nanoseconds.partialValue &+ attoseconds / 1_000_000_000)
    } else {
      writeInteger(stream)
    }
    switch spec.kind {
    case .shell(let shell):
      writeInteger(UInt8(0))
      writeWireString(shell.command)
      writeInteger(UInt32(shell.arguments.count))
      for argument in shell.arguments { writeWireString(argument) }
      writeWireStringMap(shell.environment)
      writeWireOptionalString(shell.workingDirectory)
      if let stdin = shell.stdin {
        writeInteger(UInt8(1))
        writeWireBytes(stdin)
      } else {
        writeInteger(UInt8(0))
      }
    case .swift(let call):
      writeInteger(UInt8(1))
      writeWireString(call.library)
      writeWireString(call.name)
      writeWireString(call.inputType)
      writeWireString(call.outputType)
      writeWireBytes(call.input)
    }
  }

  /// Reads a spec written by `writeTaskSpec`.
  public mutating func readTaskSpec() throws -> TaskSpec {
    var timeout: Duration?
    let flags: UInt8 = try readWireInteger("flags")
    guard flags & ~3 == 0 else { throw WireError(.malformed, "unknown task flags \(flags)") }
    let streamsOutput = flags & 2 != 0
    if flags & 1 != 0 {
      let nanoseconds: Int64 = try readWireInteger("timeout")
      guard nanoseconds >= 0 else { throw WireError(.malformed, "negative task timeout") }
      timeout = .nanoseconds(nanoseconds)
    }
    switch try readWireInteger(as: UInt8.self, "kind") {
    case 0:
      let command = try readWireString("command")
      let arguments = try readWireStrings("arguments")
      let environment = try readWireStringMap("environment")
      let workingDirectory = try readWireOptionalString("workingDirectory")
      let stdin = try readWireFlag("stdin") ? try readWireBytes("stdin") : nil
      return TaskSpec(
        .shell(
          ShellTask(
            command: command, arguments: arguments, environment: environment,
            workingDirectory: workingDirectory, stdin: stdin)), timeout: timeout,
        streamsOutput: streamsOutput)
    case 1:
      let library = try readWireString("library")
      let name = try readWireString("name")
      let inputType = try readWireString("inputType")
      let outputType = try readWireString("outputType")
      let input = try readWireBytes("input")
      return TaskSpec(
        .swift(
          SwiftTaskCall(
            library: library, name: name, inputType: inputType, outputType: outputType,
            input: input)), timeout: timeout, streamsOutput: streamsOutput)
    case let other:
      throw WireError(.malformed, "unknown task kind \(other)")
    }
  }

  /// Writes `result` in the wire encoding.
  public mutating func writeTaskResult(_ result: TaskResult) {
    writeInteger(result.status.wireValue)
    var flags: UInt8 = 0
    if result.exitCode != nil { flags |= 1 }
    if result.truncated { flags |= 2 }
    writeInteger(flags)
    writeInteger(result.exitCode ?? 0)
    writeInteger(result.duration.bitPattern)
    writeWireBytes(result.output)
    writeWireBytes(result.errorOutput)
    writeWireOptionalString(result.message)
    writeWireOptionalString(result.worker)
  }

  /// Reads a result written by `writeTaskResult`.
  public mutating func readTaskResult() throws -> TaskResult {
    let rawStatus: UInt8 = try readWireInteger("status")
    guard let status = TaskResult.Status(wireValue: rawStatus) else {
      throw WireError(.malformed, "unknown task status \(rawStatus)")
    }
    let flags: UInt8 = try readWireInteger("flags")
    guard flags & ~3 == 0 else { throw WireError(.malformed, "unknown result flags \(flags)") }
    let exitCode: Int32 = try readWireInteger("exitCode")
    let duration = Double(bitPattern: try readWireInteger(as: UInt64.self, "duration"))
    return TaskResult(
      status: status, exitCode: flags & 1 != 0 ? exitCode : nil,
      output: try readWireBytes("output"), errorOutput: try readWireBytes("errorOutput"),
      truncated: flags & 2 != 0, message: try readWireOptionalString("message"),
      worker: try readWireOptionalString("worker"), duration: duration)
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
}

extension TaskResult {
  /// About how many bytes the result takes on the wire (for packing batches).
  public var estimatedWireSize: Int {
    40 + output.count + errorOutput.count + (message?.utf8.count ?? 0)
      + (worker?.utf8.count ?? 0)
  }
}
