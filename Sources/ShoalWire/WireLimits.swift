/// Protocol constants: the magic, the version and the size limits.
public enum WireProtocol {
  /// The four bytes that open every hello: `SHOA`.
  public static let magic: [UInt8] = [0x53, 0x48, 0x4F, 0x41]

  /// The protocol version this build speaks. A scheduler accepts only peers that
  /// present exactly this version (see docs/protocol.md, "Versions").
  public static let version: UInt16 = 1

  /// The default largest frame accepted after the handshake: 64 MiB.
  public static let defaultMaxFrameSize = 64 << 20

  /// The largest first frame (the hello) accepted: 64 KiB. Garbage that happens to
  /// announce a big length is refused before anything is buffered.
  public static let handshakeFrameLimit = 64 << 10

  /// The size a sender aims for when it packs many tasks or results into one
  /// frame: 1 MiB. A single item larger than this still travels alone.
  public static let batchTargetSize = 1 << 20

  /// The longest name or token a hello may carry.
  public static let maxNameLength = 256
  /// The longest token a hello may carry.
  public static let maxTokenLength = 4096

  /// The most slots a worker may announce in its hello.
  public static let maxSlots: UInt32 = 65_536
  /// The longest task duration a result may report, and the longest task timeout a
  /// spec may carry, in seconds (about 31 years). Every number from a peer is checked
  /// when it is decoded: a duration that is not finite, negative or over this limit
  /// makes the frame malformed, and the peer is refused.
  public static let maxSeconds: Double = 1e9  // also a literal in WireReader.seconds
  /// The longest task timeout a spec may carry, in nanoseconds (`maxSeconds`).
  public static let maxTimeoutNanoseconds: Int64 = 1_000_000_000 * 1_000_000_000
  /// The smallest frame limit a scheduler may announce in its welcome.
  public static let minFrameSize: UInt32 = 1024
}

/// Splits `items` into runs whose estimated encoded size stays near `targetSize`,
/// so that a batch of 100k tasks becomes a few frames of about 1 MiB each.
///
/// Every run holds at least one item; order is kept.
public func wireBatches<Item>(
  _ items: [Item], targetSize: Int = WireProtocol.batchTargetSize, size: (Item) -> Int
) -> [[Item]] {
  // Cut points first, then one copy per batch; a list that fits in one frame (the
  // usual case) is returned as it is, without copying its items.
  var batches: [[Item]] = []
  var start = 0
  var bytes = 0
  for index in items.indices {
    let itemSize = size(items[index])
    if index > start && bytes + itemSize > targetSize {
      batches.append(Array(items[start..<index]))
      start = index
      bytes = 0
    }
    bytes += itemSize
  }
  if start == 0 { return items.isEmpty ? [] : [items] }
  batches.append(Array(items[start...]))
  return batches
}
