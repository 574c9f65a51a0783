/// Compares two tokens in time that depends only on their lengths, not on where they
/// first differ, so that a peer cannot guess a token byte by byte.
func tokensMatch(_ presented: String, _ expected: String) -> Bool {
  let a = Array(presented.utf8)
  let b = Array(expected.utf8)
  var difference = UInt8(truncatingIfNeeded: a.count ^ b.count) | (a.count == b.count ? 0 : 1)
  for index in 0..<b.count {
    difference |= b[index] ^ (index < a.count ? a[index] : ~b[index])
  }
  return difference == 0
}
