import ShoalCore

/// Expands environment variables and the home folder in configuration strings.
///
/// - `${VAR}` is replaced by the variable's value; an unset variable is an error
///   that names the variable and the position.
/// - `${VAR:-default}` uses `default` when `VAR` is unset or empty.
/// - `$${` is a literal `${` (for values that must keep a `${...}` text).
/// - A leading `~` followed by `/` (or a quoted `"~"` alone) is the home folder
///   (`$HOME`). A plain `~` on its own is YAML's null and is left alone.
///
/// `$VAR` without braces is not expanded, so shell commands keep their `$1`, `$HOME`.
public struct Expansion: Sendable {
  /// The variables to expand from.
  public var environment: [String: String]

  /// Expansion from `environment`.
  public init(environment: [String: String]) { self.environment = environment }

  /// `text` with `${...}` and a leading `~` expanded.
  public func expand(
    _ text: String, quoted: Bool = false, location: SourceLocation? = nil, keyPath: String? = nil
  ) throws -> String {
    var result = try expandVariables(text, location: location, keyPath: keyPath)
    if result == "~" && quoted || result.hasPrefix("~/") {
      guard let home = environment["HOME"], !home.isEmpty else {
        throw ShoalError(
          .invalidValue, "cannot expand `~`: HOME is not set", location: location,
          keyPath: keyPath, hint: "set HOME, or write the full path")
      }
      result = home + result.dropFirst()
    }
    return result
  }

  private func expandVariables(
    _ text: String, location: SourceLocation?, keyPath: String?
  ) throws -> String {
    guard text.contains("$") else { return text }
    var output = ""
    var rest = Substring(text)
    while let dollar = rest.firstIndex(of: "$") {
      output += rest[..<dollar]
      let after = rest[dollar...]
      if after.hasPrefix("$${") {
        output += "${"
        rest = after.dropFirst(3)
        continue
      }
      guard after.hasPrefix("${") else {
        output += "$"
        rest = after.dropFirst()
        continue
      }
      let body = after.dropFirst(2)
      guard let close = body.firstIndex(of: "}") else {
        throw ShoalError(
          .invalidValue, "unterminated `${` in \"\(text)\"", location: location, keyPath: keyPath,
          hint: "write `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`")
      }
      output += try value(of: body[..<close], in: text, location: location, keyPath: keyPath)
      rest = body[body.index(after: close)...]
    }
    output += rest
    return output
  }

  private func value(
    of reference: Substring, in text: String, location: SourceLocation?, keyPath: String?
  ) throws -> String {
    var name = reference
    var fallback: Substring?
    if let separator = reference.firstRange(of: ":-") {
      name = reference[..<separator.lowerBound]
      fallback = reference[separator.upperBound...]
    }
    guard Expansion.isVariableName(name) else {
      throw ShoalError(
        .invalidValue, "`${\(reference)}` is not a valid variable reference in \"\(text)\"",
        location: location, keyPath: keyPath,
        hint: "variable names are letters, digits and `_`, not starting with a digit")
    }
    if let value = environment[String(name)], !(fallback != nil && value.isEmpty) {
      return value
    }
    if let fallback { return String(fallback) }
    throw ShoalError(
      .invalidValue, "environment variable `\(name)` is not set (used in \"\(text)\")",
      location: location, keyPath: keyPath,
      hint: "set \(name), or give a default: `${\(name):-VALUE}`")
  }

  static func isVariableName(_ name: Substring) -> Bool {
    guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else {
      return false
    }
    return name.unicodeScalars.allSatisfy {
      $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
    }
  }
}
