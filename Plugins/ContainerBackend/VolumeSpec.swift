/// One `volumes` entry: `SOURCE:DESTINATION[:OPTIONS]`. A SOURCE that starts with `/`,
/// `.` or `~` is a host path and must exist; otherwise it names a runtime volume.
public struct VolumeSpec: Sendable, Hashable, Decodable, CustomStringConvertible {
  /// A host path (absolute) or a volume name.
  public var source: String
  /// The absolute path inside the container.
  public var destination: String
  /// `ro`, `rw`, `z`, ... as the runtime reads them.
  public var options: String?

  /// A volume entry.
  public init(source: String, destination: String, options: String? = nil) {
    self.source = source
    self.destination = destination
    self.options = options
  }

  /// Whether the source is a host path rather than a named volume.
  public var isHostPath: Bool { source.hasPrefix("/") }

  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    func fail(_ message: String, hint: String? = nil) -> any Error {
      if let node = decoder.kwargsNode {
        return node.error(message, code: .invalidValue, hint: hint)
      }
      return DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: message))
    }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
      throw fail(
        "expected SOURCE:DESTINATION[:OPTIONS] such as /srv/data:/data:ro, found \"\(text)\"")
    }
    var source = parts[0]
    if source == "~" || source.hasPrefix("~/") {
      source = (HostSystem.environment("HOME") ?? "") + source.dropFirst()
    } else if source.hasPrefix(".") {
      source = HostSystem.currentDirectory() + "/" + source
    }
    guard parts[1].hasPrefix("/") else {
      throw fail(
        "the destination of volume \"\(text)\" must be an absolute path inside the container")
    }
    if source.hasPrefix("/") && !HostSystem.exists(source) {
      throw fail(
        "volume source \(source) does not exist on this host",
        hint:
          "create it (mkdir -p \(source)) or fix the path; a source without `/` names a runtime volume instead"
      )
    }
    self.source = source
    self.destination = parts[1]
    self.options = parts.count == 3 && !parts[2].isEmpty ? parts[2] : nil
  }

  /// `SOURCE:DESTINATION[:OPTIONS]`, as passed to `--volume`.
  public var description: String {
    "\(source):\(destination)" + (options.map { ":\($0)" } ?? "")
  }
}
