/* A tiny backend plugin in C, compiled by the tests (CPluginBuild) with -D flags
 * that make it misbehave in one way each: the loader and the core must refuse or
 * survive every variant with a clear message.
 *
 *   FIXTURE_MAJOR / FIXTURE_MINOR   the ABI version the table declares
 *   FIXTURE_RETURN_NULL             shoal_plugin_table returns NULL
 *   FIXTURE_LEGACY                  exports only ABI 1's `shoal_plugin_entry`
 *   FIXTURE_MALFORMED_ERROR         create fails with an error that is not JSON
 *   FIXTURE_KEYPATH_ERROR           create fails about cluster_kwargs.n_workers
 *   FIXTURE_NO_REPLY                describe returns without replying
 *   FIXTURE_MISSING_FUNCTION        the class has no `scale`
 */
#include "shoal_plugin.h"
#include <stdlib.h>
#include <string.h>

#ifndef FIXTURE_MAJOR
#define FIXTURE_MAJOR SHOAL_ABI_MAJOR
#endif
#ifndef FIXTURE_MINOR
#define FIXTURE_MINOR SHOAL_ABI_MINOR
#endif

struct shoal_backend {
  shoal_reply_fn run_reply;
  void *run_context;
};

static void reply_text(shoal_reply_fn reply, void *context, int32_t status, const char *text) {
  reply(context, status, (const uint8_t *)text, strlen(text));
}

static shoal_backend *create(void *class_context, const uint8_t *kwargs, size_t length,
                             shoal_reply_fn reply, void *reply_context) {
  (void)class_context; (void)kwargs; (void)length;
#if defined(FIXTURE_MALFORMED_ERROR)
  reply_text(reply, reply_context, SHOAL_STATUS_ERROR, "it broke <not json>");
  return NULL;
#elif defined(FIXTURE_KEYPATH_ERROR)
  reply_text(reply, reply_context, SHOAL_STATUS_ERROR,
             "{\"code\":\"invalid_value\",\"message\":\"n_workers must be even\","
             "\"key_path\":\"n_workers\",\"hint\":\"use 2 or 4\"}");
  return NULL;
#else
  shoal_backend *backend = calloc(1, sizeof *backend);
  reply_text(reply, reply_context, SHOAL_STATUS_OK, "");
  return backend;
#endif
}

static void adapt(shoal_backend *backend, const uint8_t *settings, size_t length,
                  shoal_reply_fn reply, void *reply_context) {
  (void)backend;
  reply(reply_context, SHOAL_STATUS_OK, settings, length);
}

static void describe(shoal_backend *backend, shoal_reply_fn reply, void *reply_context) {
  (void)backend;
#ifndef FIXTURE_NO_REPLY
  reply_text(reply, reply_context, SHOAL_STATUS_OK,
             "{\"initial_workers\":0,\"scheduler_binding\":null,\"removes_leftovers\":false}");
#else
  (void)reply; (void)reply_context;
#endif
}

static void run(shoal_backend *backend, const uint8_t *context, size_t length, shoal_log_fn log,
                void *log_context, shoal_reply_fn reply, void *reply_context) {
  (void)context; (void)length; (void)log; (void)log_context;
  backend->run_reply = reply;
  backend->run_context = reply_context;
}

static void cancel_run(shoal_backend *backend) {
  if (backend->run_reply) reply_text(backend->run_reply, backend->run_context, SHOAL_STATUS_OK, "");
  backend->run_reply = NULL;
}

#ifndef FIXTURE_MISSING_FUNCTION
static void scale(shoal_backend *backend, int64_t count, shoal_reply_fn reply, void *reply_context) {
  (void)backend; (void)count;
  reply_text(reply, reply_context, SHOAL_STATUS_OK, "");
}
#endif

static void stop_workers(shoal_backend *backend, const uint8_t *names, size_t length,
                         shoal_reply_fn reply, void *reply_context) {
  (void)backend; (void)names; (void)length;
  reply_text(reply, reply_context, SHOAL_STATUS_OK, "");
}

static void workers(shoal_backend *backend, shoal_reply_fn reply, void *reply_context) {
  (void)backend;
  reply_text(reply, reply_context, SHOAL_STATUS_OK, "[]");
}

static void release(shoal_backend *backend) { free(backend); }

static const shoal_cluster_class probe = {
  .name = "Probe",
  .create = create,
  .adapt = adapt,
  .describe = describe,
  .run = run,
  .cancel_run = cancel_run,
#ifndef FIXTURE_MISSING_FUNCTION
  .scale = scale,
#endif
  .stop_workers = stop_workers,
  .workers = workers,
  .release = release,
  .remove_leftovers = NULL,
};
static const shoal_cluster_class *const classes[] = {&probe};

__attribute__((unused)) static const shoal_plugin table = {
  .abi_major = FIXTURE_MAJOR,
  .abi_minor = FIXTURE_MINOR,
  .module = "Probe",
  .sdk = "C",
  .class_count = 1,
  .classes = classes,
  .task_count = 0,
  .tasks = NULL,
};

#ifdef FIXTURE_LEGACY
int32_t shoal_plugin_entry(void *exports) { (void)exports; return 1; }
#else
const shoal_plugin *shoal_plugin_table(const shoal_host *host) {
  (void)host;
#ifdef FIXTURE_RETURN_NULL
  return NULL;
#else
  return &table;
#endif
}
#endif
