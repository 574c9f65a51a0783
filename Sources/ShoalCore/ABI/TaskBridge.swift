internal import CShoalPlugin

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The C functions of an exported task (plugin side): a call runs the task on a new
/// Swift task; `cancel` cancels it; the reply carries the output bytes or the error.
enum TaskBridge {
  /// One running call behind a `shoal_call *` handle.
  final class Call: Sendable {
    let task: Task<Void, Never>
    init(task: Task<Void, Never>) { self.task = task }
  }

  static func taskStruct(_ task: AnyTask) -> shoal_task {
    final class Context: Sendable {
      let task: AnyTask
      init(_ task: AnyTask) { self.task = task }
    }
    return shoal_task(
      name: UnsafePointer(strdup(task.name)), input_type: UnsafePointer(strdup(task.inputType)),
      output_type: UnsafePointer(strdup(task.outputType)),
      task_context: Unmanaged.passRetained(Context(task)).toOpaque(),
      start: { taskContext, input, length, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let taskContext else {
          reply.fail(ShoalError(.invalidState, "the core passed no task context"))
          return nil
        }
        let task = Unmanaged<Context>.fromOpaque(taskContext).takeUnretainedValue().task
        let input = bytes(input, length)
        let thread = CallThread()
        let call = Call(
          task: Task(executorPreference: thread) {
            do {
              reply.succeed(try await task.run(input))
            } catch {
              reply.fail(error)
            }
            thread.finish()
          })
        return OpaquePointer(Unmanaged.passRetained(call).toOpaque())
      },
      cancel: { call in
        guard let call else { return }
        Unmanaged<Call>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue().task.cancel()
      },
      release: { call in
        guard let call else { return }
        Unmanaged<Call>.fromOpaque(UnsafeRawPointer(call)).release()
      })
  }
}
