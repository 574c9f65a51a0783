import Foundation
import NIOCore
import ShoalClient
import ShoalCore
import ShoalScheduler
import ShoalTLS
import ShoalWire
import Synchronization

/// Sends control commands (`status`, and whatever the cluster process behind the
/// scheduler handles: `scale`, `adapt`, `down`) to a scheduler.
///
///     let control = try await ControlClient.connect(address: address, token: token)
///     let load = try await control.status()
public final class ControlClient: Sendable {
  private let connection: SchedulerConnection
  private let waiters = Mutex<
    (
      next: UInt32, waiting: [UInt32: CheckedContinuation<ControlResponse, any Error>],
      failure: ShoalError?
    )
  >((1, [:], nil))

  private init(connection: SchedulerConnection) { self.connection = connection }

  deinit { connection.channel.close(promise: nil) }

  /// Connects as a `control` peer.
  public static func connect(
    address: String, token: String, tls: TLSSettings = .off, timeout: Duration = .seconds(10)
  ) async throws -> ControlClient {
    let box = WeakControlClient()
    let connection = try await SchedulerConnection.open(
      address: address, token: token, tls: tls, role: .control, name: "control",
      timeout: timeout,
      onMessage: { message in
        if case .controlResponse(let response) = message {
          box.client?.answered(response)
        }
      },
      onClose: { error in box.client?.failAll(error) })
    let client = ControlClient(connection: connection)
    box.client = client
    return client
  }

  /// Runs `command` and returns the answer's fields; throws the command's error.
  public func send(_ command: String, arguments: [String: String] = [:]) async throws
    -> [String: String]
  {
    let response = try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<ControlResponse, any Error>) in
      let outcome = waiters.withLock { state -> Result<UInt32, ShoalError> in
        if let failure = state.failure { return .failure(failure) }
        let id = state.next
        state.next &+= 1
        state.waiting[id] = continuation
        return .success(id)
      }
      switch outcome {
      case .failure(let error): continuation.resume(throwing: error)
      case .success(let id):
        connection.channel.writeAndFlush(
          Message.controlRequest(ControlRequest(id: id, command: command, arguments: arguments)),
          promise: nil)
      }
    }
    if let error = response.error {
      throw ShoalError(.invalidState, "`\(command)` failed: \(error)")
    }
    return response.fields
  }

  /// The scheduler's load.
  public func status() async throws -> SchedulerLoad {
    let fields = try await send("status")
    guard let json = fields["load"],
      let status = try? JSONDecoder().decode(SchedulerLoad.self, from: Data(json.utf8))
    else { throw ShoalError(.protocolViolation, "the scheduler's status does not decode") }
    return status
  }

  /// Closes the connection.
  public func close() async {
    try? await connection.channel.close()
  }

  private func answered(_ response: ControlResponse) {
    waiters.withLock { $0.waiting.removeValue(forKey: response.id) }?.resume(returning: response)
  }

  private func failAll(_ error: ShoalError) {
    let waiting = waiters.withLock { state in
      state.failure = error
      defer { state.waiting = [:] }
      return Array(state.waiting.values)
    }
    for waiter in waiting { waiter.resume(throwing: error) }
  }
}

/// Lets the connection's callbacks reach the client without keeping it alive.
private final class WeakControlClient: Sendable {
  private struct Reference: Sendable { weak var client: ControlClient? }
  private let value = Mutex(Reference())
  var client: ControlClient? {
    get { value.withLock { $0.client } }
    set { value.withLock { $0.client = newValue } }
  }
}
