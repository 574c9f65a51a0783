import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Short, readable reasons for socket errors: `address already in use`, not NIO's
/// `bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)`.
public enum SocketErrorText {
  /// The reason for `error`, lower case, without the system call's name.
  public static func describe(_ error: any Error) -> String {
    if let error = error as? NIOConnectionError {
      if let first = error.connectionErrors.first { return describe(first.error) }
      return "cannot resolve host `\(error.host)`"
    }
    if let error = error as? IOError { return text(errno: error.errnoCode) }
    if let error = error as? SocketAddressError, case .unknown(let host, _) = error {
      return "cannot resolve host `\(host)`"
    }
    if let error = error as? ChannelError, case .connectTimeout(let timeout) = error {
      return "no answer within \(timeout.nanoseconds / 1_000_000) ms"
    }
    return "\(error)"
  }

  /// `strerror(code)`, lower case (`connection refused`).
  public static func text(errno code: Int32) -> String {
    guard let text = strerror(code), let string = String(validatingCString: text) else {
      return "error \(code)"
    }
    return string.lowercased()
  }
}
