import Foundation
import ShoalCore
import Yams

/// Turns YAML text into a `Kwargs` tree that remembers where every node is.
///
/// Parsing goes through Yams' `compose` (libyaml), which keeps each node's mark, so
/// every later error can say `FILE:LINE:COL`. Scalars keep their source text and
/// whether they were quoted; `${VAR}` and a leading `~` are expanded in scalar values
/// (never in keys); YAML merge keys (`<<: *anchor`) are applied. Syntax errors, duplicate keys and non-string keys become
/// `ShoalError`s with the position libyaml reports.
struct YAMLReader {
  /// The file name used in positions.
  var file: String
  /// Expands variables and `~` in scalar values.
  var expansion: Expansion

  /// The document's root node, or nil for an empty document (only comments or blank).
  func read(_ text: String) throws -> Kwargs? {
    try YAMLLimits.checkSize(text.utf8, file: file)
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw translate(error)
    }
    guard let root else { return nil }
    return try convert(root, path: "", depth: 0, budget: NodeBudget())
  }

  func location(_ mark: Mark?) -> SourceLocation? {
    mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
  }

  private func convert(_ node: Node, path: String, depth: Int, budget: NodeBudget) throws
    -> Kwargs
  {
    try budget.spend(at: location(node.mark), keyPath: path)
    guard depth <= YAMLLimits.maxDepth else {
      throw ShoalError(
        .invalidConfig, "nesting deeper than \(YAMLLimits.maxDepth) levels",
        location: location(node.mark), keyPath: path,
        hint: "a configuration nests a few levels; check for unbalanced brackets")
    }
    switch node {
    case .scalar(let scalar):
      let quoted = scalar.style != .plain && scalar.style != .any
      let here = location(scalar.mark)
      if !quoted && Self.nullSpellings.contains(scalar.string) {
        return Kwargs(.null, location: here, path: path)
      }
      let text = try expansion.expand(scalar.string, quoted: quoted, location: here, keyPath: path)
      return Kwargs(.scalar(text, quoted: quoted), location: here, path: path)
    case .sequence(let sequence):
      let items = try sequence.enumerated().map { index, item in
        try convert(item, path: "\(path)[\(index)]", depth: depth + 1, budget: budget)
      }
      return Kwargs(.list(items), location: location(sequence.mark), path: path)
    case .mapping(let mapping):
      var entries: [Entry] = []
      var merged: [Entry] = []
      for (keyNode, valueNode) in mapping {
        guard case .scalar(let key) = keyNode else {
          throw ShoalError(
            .invalidConfig, "mapping keys must be plain names, found a \(Self.kind(keyNode))",
            location: location(keyNode.mark), keyPath: path)
        }
        if key.string == "<<" && key.style == .plain {
          merged += try mergeEntries(valueNode, path: path, depth: depth, budget: budget)
          continue
        }
        let child = try convert(
          valueNode, path: Kwargs.join(path, key.string), depth: depth + 1, budget: budget)
        entries.append((key.string, location(key.mark), child))
      }
      for entry in merged where !entries.contains(where: { $0.key == entry.key }) {
        entries.append(entry)
      }
      return Kwargs(.map(entries), location: location(mapping.mark), path: path)
    case .alias(let alias):
      throw ShoalError(
        .invalidConfig, "unresolved alias `*\(alias.anchor.rawValue)`",
        location: location(alias.mark), keyPath: path)
    }
  }

  typealias Entry = (key: String, keyLocation: SourceLocation?, value: Kwargs)

  /// The entries of a YAML merge key (`<<: *defaults` or `<<: [*a, *b]`), rooted at
  /// `path`; earlier mappings win, and the mapping's own keys win over all of them.
  private func mergeEntries(_ node: Node, path: String, depth: Int, budget: NodeBudget) throws
    -> [Entry]
  {
    let sources: [Node]
    switch node {
    case .mapping: sources = [node]
    case .sequence(let sequence): sources = Array(sequence)
    default: sources = [node]
    }
    var result: [Entry] = []
    for source in sources {
      guard case .mapping = source else {
        throw ShoalError(
          .invalidConfig, "`<<` merges mappings only, found a \(Self.kind(source))",
          location: location(source.mark), keyPath: path)
      }
      let converted = try convert(source, path: path, depth: depth, budget: budget)
      guard case .map(let entries) = converted.value else { continue }
      for entry in entries where !result.contains(where: { $0.key == entry.key }) {
        result.append(entry)
      }
    }
    return result
  }

  /// Plain scalars that YAML reads as null.
  static let nullSpellings: Set<String> = ["", "~", "null", "Null", "NULL"]

  private static func kind(_ node: Node) -> String {
    switch node {
    case .scalar: return "scalar"
    case .mapping: return "mapping"
    case .sequence: return "list"
    case .alias: return "alias"
    }
  }

  private func translate(_ error: YamlError) -> ShoalError {
    func syntax(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> ShoalError {
      if problem.contains("Maximum nesting level") || (context?.text ?? "").contains("nesting") {
        // libyaml's own limit (1000), with a hint about its C API: say it our way.
        return ShoalError(
          .invalidConfig, "nesting deeper than \(YAMLLimits.maxDepth) levels",
          location: location(mark),
          hint: "a configuration nests a few levels; check for unbalanced brackets")
      }
      var message = "invalid YAML: \(problem)"
      if let context {
        message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
      }
      return ShoalError(.invalidConfig, message, location: location(mark))
    }
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      return syntax(context, problem, mark)
    case .reader(let problem, let offset, _, let yaml):
      var here = SourceLocation(file: file, line: 1, column: 1)
      if let offset {
        let prefix = yaml.utf8.prefix(offset)
        here.line = prefix.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        here.column =
          prefix.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
          .last.map { $0.count + 1 } ?? 1
      }
      return ShoalError(.invalidConfig, "cannot read the file: \(problem)", location: here)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let names = duplicates.map { "`\($0)`" }.joined(separator: ", ")
      return ShoalError(
        .invalidConfig,
        "duplicate key \(names) in the same mapping",
        location: location(context.mark),
        hint: "each key may appear once per mapping; remove or rename the repeated one")
    default:
      return ShoalError(.invalidConfig, "invalid YAML: \(error)", location: location(nil))
    }
  }
}

/// Reads a YAML text as `cluster_kwargs` (an empty text is an empty mapping), for the
/// conformance kit's `Kwargs(yaml:)`.
public enum ClusterKwargsText {
  /// The node of `text`, positions in `file`.
  public static func read(_ text: String, file: String) throws -> Kwargs {
    try YAMLReader(file: file, expansion: Expansion(environment: ProcessInfo.processInfo.environment)).read(text) ?? .empty()
  }
}
