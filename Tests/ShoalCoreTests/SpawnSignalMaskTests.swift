import Foundation
import ShoalCore
import Synchronization
import Testing

/// A child's SIGCHLD at its default disposition is dropped by the kernel only when the
/// thread that started the child does not block it; blocked (as on Swift's pool
/// threads), it wakes the process's main thread at every exit. Spawning unblocks it.
@Suite struct SpawnSignalMaskTests {
  @Test func spawningFromAThreadThatBlocksSignalsUnblocksSIGCHLDThere() async throws {
    let seen = Mutex<(before: Bool, after: Bool, status: Int32)?>(nil)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      var all = sigset_t()
      sigfillset(&all)
      pthread_sigmask(SIG_BLOCK, &all, nil)
      func childSignalBlocked() -> Bool {
        var current = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &current)
        return sigismember(&current, SIGCHLD) == 1
      }
      let before = childSignalBlocked()
      var status: Int32 = -1
      if let child = try? PipedChild.spawn(
        "/bin/true", [], environment: EnvironmentBlock(["PATH": "/usr/bin:/bin"]))
      {
        close(child.output)
        close(child.errorOutput)
        waitpid(child.pid, &status, 0)
      }
      seen.withLock { $0 = (before, childSignalBlocked(), status) }
      done.signal()
    }
    thread.start()
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        done.wait()
        continuation.resume()
      }
    }
    let result = try #require(seen.withLock { $0 })
    #expect(result.before, "the thread did not block SIGCHLD to begin with")
    #expect(!result.after, "SIGCHLD is still blocked on the thread that spawned")
    #expect(result.status == 0, "the child was not spawned and reaped (status \(result.status))")
  }
}
