/*
 * shoal_plugin.h — the binary interface between Shoal and a plugin library.
 *
 * A plugin is a shared library `libMODULE.so` that exports one C function,
 * `shoal_plugin_table`, returning a table of the cluster classes (backends) and
 * task functions it provides. Only C types cross this boundary: integers, byte
 * buffers with explicit lengths (JSON, UTF-8), opaque handles, and callbacks. No
 * Swift type, global or metadata is shared, so a plugin may be written in any
 * language that can export C functions, and a Swift plugin links its own static
 * copy of the ShoalCore SDK, which bridges its Swift types to this table.
 *
 * Every function is documented in docs/plugin-abi.md.
 *
 * Version policy: the core loads a plugin whose `abi_major` equals its own and
 * whose `abi_minor` is at most its own. A minor version only appends fields at the
 * end of a struct (never moves or removes one); the core reads a field only when
 * the plugin's minor says it is there.
 */
#ifndef SHOAL_PLUGIN_H
#define SHOAL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI this header describes. */
#define SHOAL_ABI_MAJOR 2
#define SHOAL_ABI_MINOR 1

/** The name of the one symbol every plugin exports. */
#define SHOAL_PLUGIN_TABLE_SYMBOL "shoal_plugin_table"

/** The status a reply carries: the call succeeded (`bytes` is its result). */
#define SHOAL_STATUS_OK 0
/** The status a reply carries: the call failed (`bytes` is an error object, JSON). */
#define SHOAL_STATUS_ERROR 1

/** Log levels of `shoal_log_fn`. */
#define SHOAL_LOG_DEBUG 0
#define SHOAL_LOG_INFO 1
#define SHOAL_LOG_WARNING 2
#define SHOAL_LOG_ERROR 3

/**
 * Completes a call. `status` is SHOAL_STATUS_OK or SHOAL_STATUS_ERROR; `bytes` and
 * `length` are the result (JSON or raw bytes, as each call says) or, on error, a
 * JSON error object:
 *
 *   {"code": "invalid_value", "message": "...", "key_path": "hosts[1]",
 *    "at_key": false, "hint": "..."}
 *
 * The core copies the bytes before it returns; the plugin owns them. Call it exactly
 * once per call, from any thread, before or after the call returns. `context` is
 * the value the core passed with the call.
 */
typedef void (*shoal_reply_fn)(void *context, int32_t status, const uint8_t *bytes, size_t length);

/** Writes one log message (UTF-8, `length` bytes) at `level`; any thread. */
typedef void (*shoal_log_fn)(void *context, int32_t level, const uint8_t *message, size_t length);

/** What the core tells the plugin when it asks for the table. */
typedef struct shoal_host {
  uint32_t abi_major;
  uint32_t abi_minor;
  /** The loading shoal's version, e.g. "0.2.0" (NUL-terminated). */
  const char *shoal_version;
} shoal_host;

/** A backend instance (the plugin's own type; opaque to the core). */
typedef struct shoal_backend shoal_backend;

/** One running task call (the plugin's own type; opaque to the core). */
typedef struct shoal_call shoal_call;

/**
 * A cluster class (or a factory function: both make backends from cluster_kwargs).
 * Functions marked "synchronous" call `reply` before they return.
 */
typedef struct shoal_cluster_class {
  /* ABI 2.0 */
  /** The name after the dot in `cluster_class: Module.Name` (NUL-terminated). */
  const char *name;
  /** 1 when this is a factory function rather than a class (informational). */
  int32_t is_factory;
  /** Passed back to `create`. */
  void *class_context;
  /**
   * Synchronous. Validates `kwargs` (the cluster_kwargs as JSON) and makes a backend
   * that has started nothing. Returns the handle and replies OK (empty result), or
   * returns NULL and replies with an error whose `key_path` is relative to
   * cluster_kwargs ("n_workers", "hosts[1]"; "" for cluster_kwargs itself).
   */
  shoal_backend *(*create)(void *class_context, const uint8_t *kwargs, size_t length,
                           shoal_reply_fn reply, void *reply_context);
  /**
   * Synchronous. Receives adapt_kwargs as settings JSON
   * ({"minimum":0,"maximum":8 or null,"interval":1.0,"wait_count":3,"target_duration":5.0},
   * durations in seconds) and replies with the settings it can honour (same shape),
   * or an error when they are impossible.
   */
  void (*adapt)(shoal_backend *backend, const uint8_t *settings, size_t length,
                shoal_reply_fn reply, void *reply_context);
  /**
   * Synchronous. Replies with {"initial_workers": N, "scheduler_binding": null or
   * {"host": "0.0.0.0", "port": 0}, "removes_leftovers": true|false}.
   */
  void (*describe)(shoal_backend *backend, shoal_reply_fn reply, void *reply_context);
  /**
   * Asynchronous. Runs the cluster: `context` is JSON {"cluster_name", "cluster_id",
   * "scheduler_address", "token", "worker_executable", "state_directory"} and, when
   * the core wrote the workers' 0600 secret file, "token_file" (start workers with
   * `--token-file PATH` then, and keep the token out of their environment). Replies
   * once the cluster has ended: after `cancel_run` (every worker stopped first), or
   * with an error when the cluster failed. `log` stays valid until the reply.
   */
  void (*run)(shoal_backend *backend, const uint8_t *context, size_t length, shoal_log_fn log,
              void *log_context, shoal_reply_fn reply, void *reply_context);
  /** Asks a running `run` to stop every worker it started and then reply. Any thread. */
  void (*cancel_run)(shoal_backend *backend);
  /** Asynchronous. Makes `count` workers exist; replies OK (empty) or an error. */
  void (*scale)(shoal_backend *backend, int64_t count, shoal_reply_fn reply,
                void *reply_context);
  /**
   * Asynchronous. Stops the named workers (a JSON array of strings) and lowers the
   * desired count; replies OK (empty) or an error.
   */
  void (*stop_workers)(shoal_backend *backend, const uint8_t *names, size_t length,
                       shoal_reply_fn reply, void *reply_context);
  /**
   * Asynchronous. Replies with a JSON array of worker states:
   * [{"name": "w-0", "state": "launching"|"running"|"stopping"|"exited"|"failed",
   *   "exit_status": 0 (exited only), "reason": "..." (failed only),
   *   "location": "host" or null, "restarts": 0}]
   */
  void (*workers)(shoal_backend *backend, shoal_reply_fn reply, void *reply_context);
  /** Frees the backend. The core calls it once, after `run` replied (or never ran). */
  void (*release)(shoal_backend *backend);
  /* ABI 2.1 */
  /**
   * Asynchronous, may be NULL. Removes what dead runs of cluster `cluster_name`
   * (UTF-8) left behind; replies with a JSON array of strings, one per thing removed.
   */
  void (*remove_leftovers)(shoal_backend *backend, const uint8_t *cluster_name, size_t length,
                           shoal_log_fn log, void *log_context, shoal_reply_fn reply,
                           void *reply_context);
} shoal_cluster_class;

/** A task function that workers call by name (bytes in, bytes out). */
typedef struct shoal_task {
  /* ABI 2.0 */
  /** The name clients call it by (NUL-terminated). */
  const char *name;
  /** The input and output type names, compared with the caller's before a call. */
  const char *input_type;
  const char *output_type;
  /** Passed back to `start`. */
  void *task_context;
  /**
   * Asynchronous. Starts one call with `input`; replies with the output bytes, or an
   * error whose message is the task's failure. Returns a handle for `cancel` and
   * `release` (NULL when it replied already and needs neither).
   */
  shoal_call *(*start)(void *task_context, const uint8_t *input, size_t length,
                       shoal_reply_fn reply, void *reply_context);
  /** Asks a call to stop early; it still replies (with an error). Any thread. */
  void (*cancel)(shoal_call *call);
  /** Frees the call; the core calls it once, after the reply. */
  void (*release)(shoal_call *call);
} shoal_task;

/** What a plugin exports. It must stay valid for the life of the process. */
typedef struct shoal_plugin {
  /* ABI 2.0: these two fields never move. */
  uint32_t abi_major;
  uint32_t abi_minor;
  /** The module name, matching the file name libMODULE.so (NUL-terminated). */
  const char *module;
  /** What built it, for `shoal plugins` ("ShoalCore 0.2.0 (Swift)", "C"). */
  const char *sdk;
  size_t class_count;
  const shoal_cluster_class *const *classes;
  size_t task_count;
  const shoal_task *const *tasks;
} shoal_plugin;

/**
 * The one entry point: returns the plugin's table, or NULL when it cannot serve this
 * host (the core then refuses the library). Called once per process.
 */
const shoal_plugin *shoal_plugin_table(const shoal_host *host);

#ifdef __cplusplus
}
#endif

#endif /* SHOAL_PLUGIN_H */
