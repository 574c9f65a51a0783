import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Short, readable reasons for failed connection attempts (NIO's own descriptions
/// list every address tried, with internal type names).
enum ConnectionFailure {
  static func describe(_ error: any Error) -> String {
    if let error = error as? NIOConnectionError {
      if let first = error.connectionErrors.first { return describe(first.error) }
      if let dns = error.dnsAError ?? error.dnsAAAAError {
        return "cannot resolve host `\(error.host)`: \(describe(dns))"
      }
      return "cannot resolve host `\(error.host)`"
    }
    if let error = error as? IOError {
      return strerrorText(error.errnoCode).lowercased()
    }
    if let error = error as? ChannelError, case .connectTimeout(let timeout) = error {
      return "no answer within \(timeout.nanoseconds / 1_000_000) ms"
    }
    return "\(error)"
  }

  private static func strerrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(validatingCString: text) ?? "error \(code)"
  }
}
