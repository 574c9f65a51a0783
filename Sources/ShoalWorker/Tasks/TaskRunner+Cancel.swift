import ShoalWire

extension TaskRunner {
  /// Runs `spec`, cancelling it when `cancel` fires (the result is then `.cancelled`,
  /// or whatever the task managed to finish with).
  func run(_ spec: TaskSpec, cancel: OneShot) async -> TaskResult {
    await withTaskGroup(of: TaskResult?.self) { group in
      group.addTask { await self.run(spec) }
      group.addTask {
        await cancel.wait()
        return nil
      }
      var result: TaskResult?
      while let next = await group.next() {
        if let next { result = next }
        group.cancelAll()
      }
      return result ?? TaskResult(status: .cancelled, worker: workerName)
    }
  }
}
