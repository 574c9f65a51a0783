/// The one error type of the wire module: a frame or message that breaks the protocol.
///
/// Equality is by code; the message says what was wrong, for logs and refusals.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What kind of violation this is (a struct, so codes can be added).
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    /// The stable name of the code.
    public let name: String
    private init(_ name: String) { self.name = name }
    public var description: String { name }

    /// The length field announces a frame larger than the limit; the payload was not read.
    public static let frameTooLarge = Code("frame_too_large")
    /// A frame whose length field is zero (it must hold at least the type byte).
    public static let emptyFrame = Code("empty_frame")
    /// A type byte that this protocol version does not define.
    public static let unknownMessage = Code("unknown_message")
    /// A payload that ends early, has bytes left over, or holds an invalid value.
    public static let malformed = Code("malformed")
    /// The first frame is not a hello with the Shoal magic: not a Shoal peer.
    public static let notShoal = Code("not_shoal")
  }

  /// What kind of violation this is.
  public var code: Code
  /// What was wrong, in one sentence.
  public var message: String

  /// An error.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code): \(message)" }

  public static func == (lhs: WireError, rhs: WireError) -> Bool { lhs.code == rhs.code }
}
