/// Bytes read from a pipe, kept up to a limit; the rest is read and dropped so that
/// the writer never blocks on a full pipe.
struct CappedOutput: Sendable {
  /// The kept bytes, at most `limit`.
  private(set) var bytes: [UInt8] = []
  /// Whether anything was dropped.
  private(set) var truncated = false
  /// The most bytes kept.
  let limit: Int

  init(limit: Int) { self.limit = limit }

  /// Keeps what fits of `chunk` and notes whether anything was dropped.
  mutating func append(_ chunk: UnsafeRawBufferPointer) {
    let room = max(0, limit - bytes.count)
    if chunk.count > room { truncated = true }
    if room > 0 { bytes.append(contentsOf: chunk.prefix(room)) }
  }
}
