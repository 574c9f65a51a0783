// `import Shoal` is enough to submit tasks: the light client (`Executor`, `TaskHandle`,
// `SchedulerAddress`) and the task types of the wire module come with it, so an app that
// also starts clusters or reads clusters.yaml needs only this import.
@_exported import ShoalClient
