/// A position in a configuration file, 1-based, as editors and compilers print it.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  /// The file's path as the user named it.
  public var file: String
  /// The line, counting from 1.
  public var line: Int
  /// The column, counting from 1.
  public var column: Int

  /// A location in `file` at `line` and `column`.
  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:col`.
  public var description: String { "\(file):\(line):\(column)" }
}
