import Testing

/// A bad YAML input and the located error it must get: the shared case of the config
/// suites (parser, groups, hostile input, `shoal validate`).
public struct BadYAML: Sendable, CustomTestStringConvertible {
  /// What the case is, as the test list shows it.
  public var name: String
  /// The file's text.
  public var yaml: String
  /// `LINE:COL` (or a prefix of it, `5:`) after the file name; nil when the error has
  /// no position.
  public var position: String?
  /// A part of the message the error must contain.
  public var message: String
  public var testDescription: String { name }

  /// A case.
  public init(name: String, yaml: String, position: String? = nil, message: String) {
    self.name = name
    self.yaml = yaml
    self.position = position
    self.message = message
  }
}

/// "Validate this YAML, expect a located error": the error must start with
/// `FILE:LINE:COL` and contain the expected message, whether it is thrown by the parser
/// in-process or printed by `shoal validate`.
public enum LocatedError {
  /// Expects `text` (an error's description, or stderr) to start with
  /// `PREFIX FILE:POSITION` and to contain `message`.
  public static func expect(
    _ text: String, prefix: String = "", file: String, position: String?, message: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let start = prefix + file + ":" + (position.map { $0.hasSuffix(":") ? $0 : "\($0): " } ?? "")
    #expect(text.hasPrefix(start), "expected `\(start)…`: \(text)", sourceLocation: sourceLocation)
    #expect(
      text.contains(message), "expected `\(message)`: \(text)", sourceLocation: sourceLocation)
  }

  /// Runs `parse(YAML, FILE)`, which must throw an `E` located at `position` and
  /// containing `message`; returns the error for further checks.
  @discardableResult
  public static func expectParse<E: Error>(
    _ yaml: String, throws type: E.Type, file: String = "bad.yaml", position: String?,
    message: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ parse: (_ yaml: String, _ file: String) throws -> Void
  ) throws -> E {
    let error = try #require(throws: type, sourceLocation: sourceLocation) {
      try parse(yaml, file)
    }
    expect(
      String(describing: error), file: file, position: position, message: message,
      sourceLocation: sourceLocation)
    return error
  }

  /// `expectParse` for a `BadYAML` case.
  @discardableResult
  public static func expectParse<E: Error>(
    _ bad: BadYAML, throws type: E.Type, file: String = "bad.yaml",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ parse: (_ yaml: String, _ file: String) throws -> Void
  ) throws -> E {
    try expectParse(
      bad.yaml, throws: type, file: file, position: bad.position, message: bad.message,
      sourceLocation: sourceLocation, parse)
  }

  /// Writes `bad.yaml` to a temporary clusters.yaml and runs the real
  /// `shoal validate --config FILE`: exit 1, nothing on stdout, and stderr
  /// `error: FILE:POSITION: …` with the message.
  @discardableResult
  public static func expectValidate(
    _ bad: BadYAML, sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> CommandOutput {
    let file = try TemporaryDirectory.write(bad.yaml)
    let result = try CommandRunner.shoal(["validate", "--config", file])
    #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "\(result.stdout)", sourceLocation: sourceLocation)
    expect(
      result.stderr, prefix: "error: ", file: file, position: bad.position, message: bad.message,
      sourceLocation: sourceLocation)
    return result
  }
}
