/// A small, fast, seeded generator (SplitMix64) for the fuzz tests: the same seed
/// gives the same inputs on every machine, so a failure names its seed and case.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A generator starting at `seed`.
  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Runs `body` with case numbers 0, 1, 2, ... until `budget` has passed or `maxCases`
/// ran; returns how many ran. The fuzz tests' time budget (about 20 s each in CI).
public func fuzz(
  budget: Duration, maxCases: Int = .max, _ body: (Int) throws -> Void
) rethrows -> Int {
  let deadline = ContinuousClock.now + budget
  var index = 0
  while index < maxCases {
    // Checking the clock every 64 cases keeps its cost out of the loop.
    if index % 64 == 0 && ContinuousClock.now >= deadline { break }
    try body(index)
    index += 1
  }
  return index
}

/// Byte-level mutations of a valid input: flips, overwrites with edge values, cuts,
/// duplications and insertions.
public func mutate(_ bytes: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
  var bytes = bytes
  let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x3F, 0xF0]
  for _ in 0..<Int.random(in: 1...4, using: &random) {
    guard !bytes.isEmpty else {
      bytes.append(UInt8.random(in: 0...255, using: &random))
      continue
    }
    let at = Int.random(in: 0..<bytes.count, using: &random)
    switch Int.random(in: 0..<7, using: &random) {
    case 0: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
    case 1: bytes[at] = interesting.randomElement(using: &random)!
    case 2: bytes.removeSubrange(at...)
    case 3: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
    case 4:
      let end = min(bytes.count, at + Int.random(in: 1...16, using: &random))
      bytes.insert(contentsOf: bytes[at..<end], at: at)
    case 5:
      // Eight bytes of an edge value: a count, length or double gone wild.
      let edge: [UInt8] = [
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xF8, 0, 0, 0, 0, 0, 1],
        [0x7F, 0xF0, 0, 0, 0, 0, 0, 0], [0x80, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 1],
      ].randomElement(using: &random)!
      for (offset, byte) in edge.enumerated() where at + offset < bytes.count {
        bytes[at + offset] = byte
      }
    default: bytes.remove(at: at)
    }
  }
  return bytes
}
