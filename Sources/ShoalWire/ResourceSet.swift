/// Named amounts of abstract resources: what a worker has (`shoal worker --resources
/// gpu=1,memory=16G`) or what a task needs (`shoal run --resources gpu=1`).
///
/// Names are 1 to `maxNameLength` letters, digits, `_`, `-` or `.`, starting with a
/// letter; at most `maxCount` of them. Amounts are kept exactly, in thousandths
/// (`0.5` is 500), from 0 to `maxAmount` units; `K`, `M`, `G`, `T`, `P` multiply by
/// powers of 1024 (`16G`, `512Mi`, `1TB` all read as binary sizes). The scheduler
/// treats every name alike: it assigns a task to a worker only when the worker's free
/// amount of each name covers the task's.
public struct ResourceSet: Sendable, Hashable, CustomStringConvertible {
  /// One name and its amount in thousandths.
  public struct Entry: Sendable, Hashable {
    /// The resource's name.
    public var name: String
    /// The amount in thousandths of a unit.
    public var milli: Int64
  }

  /// The entries, sorted by name, no name twice, no zero amounts.
  public private(set) var entries: [Entry]

  /// The most names a set may hold (also on the wire).
  public static let maxCount = 16
  /// The longest name, in bytes.
  public static let maxNameLength = 64
  /// The largest amount of one resource, in units (2^50, about 10^15).
  public static let maxAmount: Int64 = 1 << 50

  /// An empty set.
  public init() { entries = [] }

  /// A set of `amounts` in units (`["gpu": 1, "memory": 16 << 30]`); throws for a bad
  /// name or amount.
  public init(_ amounts: [String: Double]) throws(ResourceError) {
    var set = ResourceSet()
    for (name, amount) in amounts {
      try Self.check(name: name)
      set.set(name, milli: try Self.milli(amount, name: name))
    }
    try set.checkCount()
    self = set
  }

  /// Parses `gpu=1,memory=16G` (also `gpu:1`; spaces around items ignored; an empty
  /// text is an empty set).
  public init(parsing text: String) throws(ResourceError) {
    var set = ResourceSet()
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
      let trimmed = item.trimmingSpaces
      if trimmed.isEmpty && text.trimmingSpaces.isEmpty { continue }
      guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
        throw ResourceError(
          "`\(trimmed)` is not NAME=AMOUNT; write resources as `gpu=1,memory=16G`")
      }
      let name = String(trimmed[..<separator]).trimmingSpaces
      let value = String(trimmed[trimmed.index(after: separator)...]).trimmingSpaces
      try Self.check(name: name)
      guard set.amount(name) == nil else {
        throw ResourceError("resource `\(name)` is given twice")
      }
      set.set(name, milli: try Self.parseAmount(value, name: name))
    }
    try set.checkCount()
    self = set
  }

  /// Whether no resource is named.
  public var isEmpty: Bool { entries.isEmpty }

  /// The amount of `name` in thousandths, nil when absent.
  public func amount(_ name: String) -> Int64? {
    entries.first { $0.name == name }?.milli
  }

  /// Sets `name` to `milli` thousandths (removes it at 0). Does not check the name.
  public mutating func set(_ name: String, milli: Int64) {
    if let index = entries.firstIndex(where: { $0.name == name }) {
      if milli == 0 { entries.remove(at: index) } else { entries[index].milli = milli }
      return
    }
    guard milli != 0 else { return }
    let index = entries.firstIndex { $0.name > name } ?? entries.endIndex
    entries.insert(Entry(name: name, milli: milli), at: index)
  }

  /// Whether every amount of `request` is at most this set's amount of the same name.
  public func covers(_ request: ResourceSet) -> Bool {
    for needed in request.entries where (amount(needed.name) ?? 0) < needed.milli {
      return false
    }
    return true
  }

  /// The names of `request` this set has too little of.
  public func shortfall(_ request: ResourceSet) -> [String] {
    request.entries.filter { (amount($0.name) ?? 0) < $0.milli }.map(\.name)
  }

  /// Takes `request` away (a task starts); amounts never go below 0.
  public mutating func subtract(_ request: ResourceSet) {
    for needed in request.entries {
      set(needed.name, milli: max(0, (amount(needed.name) ?? 0) - needed.milli))
    }
  }

  /// Gives `request` back (a task ended).
  public mutating func add(_ request: ResourceSet) {
    for held in request.entries {
      set(held.name, milli: min(Self.maxAmount * 1000, (amount(held.name) ?? 0) + held.milli))
    }
  }

  /// `gpu=1,memory=16G`: names sorted; whole sizes of 1 MiB or more with a suffix.
  public var description: String {
    entries.map { "\($0.name)=\(Self.format(milli: $0.milli))" }.joined(separator: ",")
  }

  /// `0.5`, `3`, `16G`.
  public static func format(milli: Int64) -> String {
    guard milli % 1000 == 0 else {
      var text = String(Double(milli) / 1000)
      while text.hasSuffix("0") { text.removeLast() }
      return text
    }
    let units = milli / 1000
    for (suffix, shift) in [("P", 50), ("T", 40), ("G", 30), ("M", 20)]
    where units >= 1 << shift && units % (1 << shift) == 0 {
      return "\(units >> shift)\(suffix)"
    }
    return String(units)
  }

  /// Throws unless `name` is a valid resource name.
  public static func check(name: String) throws(ResourceError) {
    guard !name.isEmpty else { throw ResourceError("a resource name is empty") }
    guard name.utf8.count <= maxNameLength else {
      throw ResourceError(
        "resource name `\(name.prefix(20))...` is longer than \(maxNameLength) bytes")
    }
    guard isValid(name: name) else {
      throw ResourceError(
        "resource name `\(name)` may only contain letters, digits, `_`, `-` and `.`, and must"
          + " start with a letter")
    }
  }

  /// Whether `name` is a valid resource name (the wire check).
  static func isValid(name: String) -> Bool {
    var first = true
    for byte in name.utf8 {
      let letter = (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
      let digit = (0x30...0x39).contains(byte)
      if first {
        guard letter else { return false }
        first = false
      } else if !(letter || digit || byte == 0x5F || byte == 0x2D || byte == 0x2E) {
        return false
      }
    }
    return !first && name.utf8.count <= maxNameLength
  }

  /// `16G` -> 16 x 2^30 units, in thousandths.
  static func parseAmount(_ text: String, name: String) throws(ResourceError) -> Int64 {
    var number = Substring(text)
    var shift = 0
    for suffix in ["iB", "B", "i"] where number.count > suffix.count {
      if number.uppercased().hasSuffix(suffix.uppercased()) {
        number = number.dropLast(suffix.count)
        break
      }
    }
    if let last = number.last, let index = "KMGTP".firstIndex(of: Character(last.uppercased())) {
      shift = 10 * ("KMGTP".distance(from: "KMGTP".startIndex, to: index) + 1)
      number = number.dropLast()
    }
    guard let value = Double(number), !number.isEmpty else {
      throw ResourceError(
        "resource `\(name)` has amount `\(text)`; give a number such as 1, 0.5 or 16G")
    }
    return try milli(value * Double(Int64(1) << shift), name: name)
  }

  /// `amount` units in thousandths, checked.
  static func milli(_ amount: Double, name: String) throws(ResourceError) -> Int64 {
    guard amount.isFinite, amount >= 0, amount <= Double(maxAmount) else {
      throw ResourceError(
        "resource `\(name)` has amount \(amount); it must be from 0 to 2^50")
    }
    return Int64((amount * 1000).rounded())
  }

  private func checkCount() throws(ResourceError) {
    guard entries.count <= Self.maxCount else {
      throw ResourceError("\(entries.count) resources; at most \(Self.maxCount) may be named")
    }
  }
}

/// A resource list that does not parse, with the reason.
public struct ResourceError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What is wrong, and how to write it instead.
  public var message: String

  /// An error.
  public init(_ message: String) { self.message = message }

  public var description: String { message }
}

extension StringProtocol {
  fileprivate var trimmingSpaces: String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}
