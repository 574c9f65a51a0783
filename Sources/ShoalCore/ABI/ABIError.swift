/// A `ShoalError` as it crosses the plugin boundary: a JSON object
/// `{"code", "message", "key_path", "at_key", "hint"}` (docs/plugin-abi.md).
public enum ABIError {
  /// The JSON a plugin replies with for `error` (plugin side). A key path from
  /// `cluster_kwargs` is sent relative to it.
  public static func encode(_ error: any Error) -> [UInt8] {
    let shoal: ShoalError
    if let error = error as? ShoalError {
      shoal = error
    } else if error is CancellationError {
      shoal = ShoalError(.cancelled, "cancelled")
    } else {
      shoal = ShoalError(.taskFailed, "\(error)")
    }
    var members: [(key: String, value: JSONValue)] = [
      ("code", .string(shoal.code.name)), ("message", .string(shoal.message)),
    ]
    if let location = shoal.location, let (path, atKey) = Kwargs.abiPath(of: location) {
      members.append(("key_path", .string(path)))
      members.append(("at_key", .bool(atKey)))
    } else if let keyPath = shoal.keyPath {
      members.append(("key_path", .string(keyPath)))
    }
    if let hint = shoal.hint { members.append(("hint", .string(hint))) }
    return JSONValue.object(members).bytes
  }

  /// The error a plugin sent (core side). `kwargs`, when the call was about them,
  /// turns the key path into a position and a full key path; `plugin` names the
  /// library in the message about an error object that is malformed.
  public static func decode(_ bytes: [UInt8], kwargs: Kwargs? = nil, plugin: String) -> ShoalError {
    guard let json = try? JSONValue(parsing: bytes), let code = json["code"]?.string,
      !code.isEmpty, let message = json["message"]?.string
    else {
      let text = String(decoding: bytes.prefix(200), as: UTF8.self)
      return ShoalError(
        .backendFailed,
        "\(plugin) reported an error that is not a valid error object: `\(text)`",
        hint: "a plugin replies to a failed call with JSON"
          + " {\"code\": ..., \"message\": ...} (docs/plugin-abi.md)")
    }
    var error = ShoalError(ShoalError.Code(code), message, hint: json["hint"]?.string)
    guard let keyPath = json["key_path"]?.string else { return error }
    guard let kwargs else {
      error.keyPath = keyPath
      return error
    }
    let atKey = json["at_key"] == .bool(true)
    let found = kwargs.node(atKeyPath: keyPath)
    if atKey, let found {
      // An error about one key of a mapping (unknown, never read): the mapping's path,
      // the key's own position.
      let parent = keyPath.split(separator: ".").dropLast().joined(separator: ".")
      error.keyPath = parent.isEmpty ? kwargs.path : Kwargs.join(kwargs.path, parent)
      error.location = found.keyLocation ?? found.node.location
    } else {
      error.keyPath =
        keyPath.isEmpty
        ? kwargs.path
        : keyPath.hasPrefix("[") ? kwargs.path + keyPath : Kwargs.join(kwargs.path, keyPath)
      // A key path that names no node of cluster_kwargs gets no position: the caller
      // knows better (an error about adapt_kwargs, say) than the mapping's.
      error.location = found?.node.location
    }
    return error
  }
}
