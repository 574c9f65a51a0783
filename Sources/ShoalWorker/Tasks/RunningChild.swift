import CWorkerSupport
import ShoalCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// What a shell task's process left behind: its captured outputs and, once reaped, its
/// `waitpid` status word (nil when another part of the process reaped it).
struct ChildOutcome: Sendable {
  var output: CappedOutput
  var errorOutput: CappedOutput
  var status: Int32?
  /// False when its exit was not watched (no pidfd): the caller reaps it.
  var reaped: Bool
}

/// One running shell task's process as `ChildWatcher` sees it: which of its pipes are
/// still open, what it printed so far, what is left to write to its stdin, and whether
/// it has exited. Finished once stdout and stderr are closed (by it and by every
/// process it left holding them) and its exit is reaped.
final class RunningChild: Sendable {
  /// The pipes and pid.
  let child: PipedChild
  private let onOutput: ShellTaskRunner.OutputHandler?
  private let state: Mutex<State>

  private struct State {
    var output: CappedOutput
    var errorOutput: CappedOutput
    var openOutputs = 2
    var status: Int32?
    var exited = false
    var reaped = false
    var timedOut = false
    var input: [UInt8]
    var written = 0
    var continuation: CheckedContinuation<ChildOutcome, Never>?
  }

  /// The streams a watcher reads or writes.
  enum Stream: Sendable {
    case output, errorOutput, input, exit
  }

  init(
    _ child: PipedChild, input: [UInt8], limit: Int, onOutput: ShellTaskRunner.OutputHandler?
  ) {
    self.child = child
    self.onOutput = onOutput
    state = Mutex(
      State(
        output: CappedOutput(limit: limit), errorOutput: CappedOutput(limit: limit),
        input: input))
  }

  /// Hands over the continuation that `finish` resumes; set before any descriptor is
  /// watched.
  func await(_ continuation: CheckedContinuation<ChildOutcome, Never>) {
    state.withLock { $0.continuation = continuation }
  }

  /// Keeps `bytes` read from `stream` and passes them to the output handler.
  func received(_ bytes: UnsafeRawBufferPointer, on stream: Stream) {
    state.withLock {
      if stream == .output { $0.output.append(bytes) } else { $0.errorOutput.append(bytes) }
    }
    if let onOutput {
      onOutput(stream == .output ? .stdout : .stderr, Array(bytes))
    }
  }

  /// Writes what it can of the pending stdin to `fd` without blocking; returns whether
  /// the stream is done (all written, or the reader is gone).
  func writeInput(to fd: Int32) -> Bool {
    state.withLock { state in
      while state.written < state.input.count {
        let count = state.input.withUnsafeBytes { bytes in
          write(fd, bytes.baseAddress! + state.written, bytes.count - state.written)
        }
        if count > 0 {
          state.written += count
        } else if count < 0 && errno == EINTR {
          continue
        } else if count < 0 && errno == EAGAIN {
          return false
        } else {
          return true  // EPIPE: the program exited or closed its stdin without reading
        }
      }
      state.input = []
      return true
    }
  }

  /// Notes that `stream` is over (an output closed, or a stream that could not be
  /// watched); returns whether the run is complete.
  func abandon(_ stream: Stream) -> Bool {
    state.withLock { state in
      switch stream {
      case .output, .errorOutput: state.openOutputs -= 1
      case .exit: state.exited = true  // not reaped: the caller does it
      case .input: break
      }
      return state.openOutputs == 0 && state.exited
    }
  }

  /// Whether stdout and stderr are both closed.
  var outputsClosed: Bool { state.withLock { $0.openOutputs == 0 } }

  /// Reaps the process if it has exited; returns whether it did and whether the run
  /// is complete.
  func reap() -> (reaped: Bool, complete: Bool) {
    var status: Int32 = 0
    let result = waitpid(child.pid, &status, WNOHANG)
    if result == 0 { return (false, false) }
    return state.withLock { state in
      state.reaped = true
      state.exited = true
      state.status = result == child.pid ? status : nil
      return (true, state.openOutputs == 0)
    }
  }

  /// Resumes the awaiting task with the outcome.
  func finish() {
    let (continuation, outcome) = state.withLock { state in
      let continuation = state.continuation
      state.continuation = nil
      return (
        continuation,
        ChildOutcome(
          output: state.output, errorOutput: state.errorOutput, status: state.status,
          reaped: state.reaped)
      )
    }
    continuation?.resume(returning: outcome)
  }

  /// Kills the process group (the program and everything it started), unless the
  /// program has been reaped already (its group id could then name someone else's).
  func killGroup() {
    let reaped = state.withLock { $0.reaped }
    if !reaped {
      kill(-child.pid, SIGKILL)
    }
  }

  /// Kills the process group for running out of time, and remembers why.
  func timeOut() {
    state.withLock { $0.timedOut = true }
    killGroup()
  }

  /// Whether `timeOut` killed it.
  var timedOut: Bool { state.withLock { $0.timedOut } }

  /// Notes that the caller reaped it (its exit was not watched).
  func markReaped() {
    state.withLock { $0.reaped = true }
  }
}
