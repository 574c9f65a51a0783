import Foundation
import ShoalCore

extension ShoalConfig {
  /// One place a configuration file may be, and why it was looked at.
  public struct Candidate: Sendable, Hashable, CustomStringConvertible {
    /// The path as the user named it (shown in messages).
    public var file: String
    /// The absolute path.
    public var absolutePath: String
    /// Where the candidate came from (`--config`, `$SHOAL_CONFIG`, ...).
    public var origin: String
    /// Whether it was named explicitly, so that its absence is an error by itself.
    public var isExplicit: Bool

    /// `file (origin)`.
    public var description: String { "\(file) (\(origin))" }
  }

  /// Where `discover` looks, in order: `--config FILE`, `$SHOAL_CONFIG`,
  /// `./clusters.yaml`, `$XDG_CONFIG_HOME/shoal/clusters.yaml` (default
  /// `~/.config/shoal/clusters.yaml`). An explicit file ends the list.
  public static func candidates(
    explicit: String?, environment: [String: String], currentDirectory: String
  ) -> [Candidate] {
    func absolute(_ path: String) -> String {
      path.hasPrefix("/") ? path : ConfigParser.join(currentDirectory, path)
    }
    if let explicit {
      return [
        Candidate(
          file: explicit, absolutePath: absolute(explicit), origin: "--config", isExplicit: true)
      ]
    }
    if let variable = environment["SHOAL_CONFIG"], !variable.isEmpty {
      return [
        Candidate(
          file: variable, absolutePath: absolute(variable), origin: "$SHOAL_CONFIG",
          isExplicit: true)
      ]
    }
    var result = [
      Candidate(
        file: "clusters.yaml", absolutePath: absolute("clusters.yaml"),
        origin: "the current folder", isExplicit: false)
    ]
    let configHome: String? =
      environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
      ?? environment["HOME"].flatMap { $0.isEmpty ? nil : $0 + "/.config" }
    if let configHome {
      let path = configHome + "/shoal/clusters.yaml"
      result.append(
        Candidate(file: path, absolutePath: path, origin: "user configuration", isExplicit: false))
    }
    return result
  }

  /// Finds and loads the configuration: `--config FILE` (`explicit`), then
  /// `$SHOAL_CONFIG`, then `./clusters.yaml`, then `~/.config/shoal/clusters.yaml`.
  /// When none exists, the error lists every place tried.
  public static func discover(
    explicit: String?, environment: [String: String], currentDirectory: String
  ) throws -> ShoalConfig {
    let candidates = candidates(
      explicit: explicit, environment: environment, currentDirectory: currentDirectory)
    for candidate in candidates where candidate.isExplicit || exists(candidate.absolutePath) {
      return try load(candidate, environment: environment)
    }
    throw ShoalError(
      .configNotFound,
      "no clusters.yaml found; looked for:\n"
        + candidates.map { "  \($0)" }.joined(separator: "\n"),
      hint:
        "run `shoal init` to write a commented ./clusters.yaml, set SHOAL_CONFIG, or pass --config FILE"
        + " (`shoal run` and `shoal map` work without one, on a local cluster)")
  }

  /// Loads and parses the file at `file` (relative to the current folder).
  public static func load(file: String, environment: [String: String]) throws -> ShoalConfig {
    let absolute =
      file.hasPrefix("/")
      ? file : ConfigParser.join(FileManager.default.currentDirectoryPath, file)
    return try load(
      Candidate(file: file, absolutePath: absolute, origin: "--config", isExplicit: true),
      environment: environment)
  }

  /// Parses `text` as the contents of `file` (used in error positions). Relative
  /// `plugin_path` entries are resolved against the folder of `file`.
  public static func parse(
    _ text: String, file: String, environment: [String: String]
  ) throws -> ShoalConfig {
    let absolute =
      file.hasPrefix("/")
      ? file : ConfigParser.join(FileManager.default.currentDirectoryPath, file)
    return try ConfigParser(
      file: file, absolutePath: absolute, baseDirectory: directory(of: absolute),
      environment: environment
    ).parse(text)
  }

  static func load(_ candidate: Candidate, environment: [String: String]) throws -> ShoalConfig {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: candidate.absolutePath, isDirectory: &isDirectory)
    else {
      throw ShoalError(
        .configNotFound,
        "configuration file \(candidate.file) (from \(candidate.origin)) does not exist",
        hint: "check the path, or write one with `shoal init \(candidate.file)`")
    }
    guard !isDirectory.boolValue else {
      throw ShoalError(
        .configNotFound,
        "configuration file \(candidate.file) (from \(candidate.origin)) is a folder, not a file")
    }
    guard let data = FileManager.default.contents(atPath: candidate.absolutePath) else {
      throw ShoalError(
        .configNotFound, "cannot read configuration file \(candidate.file): permission denied")
    }
    try YAMLLimits.checkSize(data, file: candidate.file)
    if let (line, column) = YAMLLimits.firstInvalidUTF8(data) {
      throw ShoalError(
        .invalidConfig, "\(candidate.file) is not UTF-8 text: a byte here is not UTF-8",
        location: SourceLocation(file: candidate.file, line: line, column: column),
        hint: "save the file as UTF-8")
    }
    let text = String(decoding: data, as: UTF8.self)
    return try ConfigParser(
      file: candidate.file, absolutePath: candidate.absolutePath,
      baseDirectory: directory(of: candidate.absolutePath), environment: environment
    ).parse(text)
  }

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
