import Foundation
import Hummingbird

/// Off loopback, only requests that present the cluster's token get through: an
/// `Authorization: Bearer TOKEN` header, the `shoal_token` cookie, or `?token=TOKEN`
/// once (answered with the cookie and a redirect to the same path without it).
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
  let token: String

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    if let header = request.headers[.authorization], header.hasPrefix("Bearer "),
      Self.same(String(header.dropFirst("Bearer ".count)), token)
    {
      return try await next(request, context)
    }
    for cookie in request.headers[values: .cookie].flatMap({ $0.split(separator: ";") }) {
      let pair = cookie.trimmingCharacters(in: .whitespaces)
      if pair.hasPrefix("shoal_token="),
        Self.same(String(pair.dropFirst("shoal_token=".count)), token)
      {
        return try await next(request, context)
      }
    }
    if let given = request.uri.queryParameters["token"], Self.same(String(given), token) {
      var headers = HTTPFields()
      headers[.location] = request.uri.path
      headers[.setCookie] = "shoal_token=\(token); Path=/; HttpOnly; SameSite=Strict"
      return Response(status: .seeOther, headers: headers)
    }
    return Response(
      status: .unauthorized,
      headers: [.contentType: "text/plain; charset=utf-8", .wwwAuthenticate: "Bearer"],
      body: ResponseBody(
        byteBuffer: ByteBuffer(
          string: "this dashboard listens off loopback and needs the cluster's token:"
            + " send `Authorization: Bearer TOKEN`, or open /?token=TOKEN once"
            + " (the token file is shown by `shoal ps --json`)\n")))
  }

  /// Compares in time independent of where they differ.
  static func same(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
  }
}
