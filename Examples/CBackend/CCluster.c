/*
 * CBackend.CCluster — a Shoal backend plugin written in C against shoal_plugin.h alone.
 *
 * Each worker is a local `shoal worker` process started with posix_spawn. The
 * plugin honours the whole scale interface: create (validating cluster_kwargs),
 * adapt, describe, run / cancel_run, scale, stop_workers, workers and release.
 * Asynchronous calls run on a detached thread each, so no call blocks the core.
 *
 *   clusters:
 *     c:
 *       cluster_class: CBackend.CCluster
 *       cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
 *
 * Build: make (or: cc -shared -fPIC -I SHOAL/Sources/CShoalPlugin/include CCluster.c
 *        -o libCBackend.so -lpthread)
 */
#define _GNU_SOURCE
#include "shoal_plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { MAX_WORKERS = 64 };

typedef struct worker {
  char name[128];
  pid_t pid;
  int exited;      /* 1 once reaped */
  int status;      /* exit status, or 128 + signal */
  int stopping;    /* SIGTERM sent */
  int restarts;    /* times restarted after an unexpected exit */
} worker;

struct shoal_backend {
  pthread_mutex_t lock;
  long n_workers;
  long threads_per_worker;
  /* From run's context. */
  char *address, *token, *executable, *state_directory, *cluster_name;
  /* The core's 0600 file holding the token (and certificates): "token_file". When it is
     there, workers read it with --token-file and `token` is not needed (NULL). */
  char *token_file;
  int running;
  shoal_reply_fn run_reply;
  void *run_reply_context;
  shoal_log_fn log;
  void *log_context;
  worker workers[MAX_WORKERS];
  int count;        /* entries used in workers[] */
  long next_index;  /* for worker names */
  int monitoring;   /* the restart thread runs */
};

/* ---------- replies and errors ---------- */

static void reply_text(shoal_reply_fn reply, void *context, int32_t status, const char *text) {
  reply(context, status, (const uint8_t *)text, strlen(text));
}

/* Appends `text` to `out` as a JSON string (quotes and escapes). */
static void json_string(char *out, size_t size, const char *text) {
  size_t used = strlen(out);
  if (used + 2 >= size) return;
  out[used++] = '"';
  for (const char *p = text; *p && used + 7 < size; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') {
      out[used++] = '\\';
      out[used++] = (char)c;
    } else if (c < 0x20) {
      used += (size_t)snprintf(out + used, size - used, "\\u%04x", c);
    } else {
      out[used++] = (char)c;
    }
  }
  out[used++] = '"';
  out[used] = 0;
}

static void reply_error(shoal_reply_fn reply, void *context, const char *code, const char *message,
                        const char *key_path, int at_key, const char *hint) {
  char json[2048] = "{\"code\":";
  json_string(json, sizeof json, code);
  strcat(json, ",\"message\":");
  json_string(json, sizeof json, message);
  if (key_path) {
    strcat(json, ",\"key_path\":");
    json_string(json, sizeof json, key_path);
    strcat(json, at_key ? ",\"at_key\":true" : ",\"at_key\":false");
  }
  if (hint) {
    strcat(json, ",\"hint\":");
    json_string(json, sizeof json, hint);
  }
  strcat(json, "}");
  reply_text(reply, context, SHOAL_STATUS_ERROR, json);
}

static void log_message(shoal_backend *b, int32_t level, const char *message) {
  if (b->log) b->log(b->log_context, level, (const uint8_t *)message, strlen(message));
}

/* ---------- a small JSON reader: enough for the ABI's flat objects ---------- */

typedef struct cursor {
  const char *p, *end;
} cursor;

static void skip_space(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r')) c->p++;
}

/* Reads a JSON string into `out` (escapes other than \" and \\ kept as is). */
static int read_string(cursor *c, char *out, size_t size) {
  skip_space(c);
  if (c->p >= c->end || *c->p != '"') return 0;
  c->p++;
  size_t used = 0;
  while (c->p < c->end && *c->p != '"') {
    char ch = *c->p++;
    if (ch == '\\' && c->p < c->end) ch = *c->p++;
    if (used + 1 < size) out[used++] = ch;
  }
  if (c->p >= c->end) return 0;
  c->p++;
  out[used] = 0;
  return 1;
}

/* Skips any JSON value; returns 0 on malformed input. */
static int skip_value(cursor *c, int depth) {
  skip_space(c);
  if (c->p >= c->end || depth > 32) return 0;
  char first = *c->p;
  if (first == '"') {
    char scratch[1];
    /* read_string with a 1-byte buffer just skips */
    return read_string(c, scratch, sizeof scratch);
  }
  if (first == '{' || first == '[') {
    char close = first == '{' ? '}' : ']';
    c->p++;
    skip_space(c);
    if (c->p < c->end && *c->p == close) {
      c->p++;
      return 1;
    }
    for (;;) {
      if (first == '{') {
        char key[1];
        if (!read_string(c, key, sizeof key)) return 0;
        skip_space(c);
        if (c->p >= c->end || *c->p++ != ':') return 0;
      }
      if (!skip_value(c, depth + 1)) return 0;
      skip_space(c);
      if (c->p >= c->end) return 0;
      char next = *c->p++;
      if (next == close) return 1;
      if (next != ',') return 0;
    }
  }
  while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ']' && *c->p != ' ') c->p++;
  return 1;
}

/* ---------- create: cluster_kwargs ---------- */

static shoal_backend *create(void *class_context, const uint8_t *kwargs, size_t length,
                             shoal_reply_fn reply, void *reply_context) {
  (void)class_context;
  long n_workers = 1, threads = 1;
  cursor c = {(const char *)kwargs, (const char *)kwargs + length};
  skip_space(&c);
  if (c.p < c.end && strncmp(c.p, "null", 4) == 0) {
    /* no cluster_kwargs: defaults */
  } else if (c.p >= c.end || *c.p != '{') {
    reply_error(reply, reply_context, "invalid_value", "cluster_kwargs must be a mapping", "", 0,
                "write cluster_kwargs: {n_workers: 2, threads_per_worker: 1}");
    return NULL;
  } else {
    c.p++;
    skip_space(&c);
    if (c.p < c.end && *c.p == '}') c.p++;
    else for (;;) {
      char key[64];
      if (!read_string(&c, key, sizeof key)) goto malformed;
      skip_space(&c);
      if (c.p >= c.end || *c.p++ != ':') goto malformed;
      skip_space(&c);
      if (strcmp(key, "n_workers") == 0 || strcmp(key, "threads_per_worker") == 0) {
        char *after = NULL;
        long value = strtol(c.p, &after, 10);
        long minimum = strcmp(key, "n_workers") == 0 ? 0 : 1;
        if (after == c.p || value < minimum || value > MAX_WORKERS) {
          char message[160];
          snprintf(message, sizeof message, "%s must be an integer from %ld to %d", key, minimum,
                   MAX_WORKERS);
          reply_error(reply, reply_context, "invalid_value", message, key, 0, NULL);
          return NULL;
        }
        c.p = after;
        if (strcmp(key, "n_workers") == 0) n_workers = value; else threads = value;
      } else {
        char message[160];
        snprintf(message, sizeof message, "unknown key `%s`", key);
        reply_error(reply, reply_context, "unknown_key", message, key, 1,
                    "CBackend.CCluster accepts n_workers and threads_per_worker");
        return NULL;
      }
      skip_space(&c);
      if (c.p >= c.end) goto malformed;
      char next = *c.p++;
      if (next == '}') break;
      if (next != ',') goto malformed;
    }
  }
  shoal_backend *b = calloc(1, sizeof *b);
  if (!b) {
    reply_error(reply, reply_context, "backend_failed", "out of memory", NULL, 0, NULL);
    return NULL;
  }
  pthread_mutex_init(&b->lock, NULL);
  b->n_workers = n_workers;
  b->threads_per_worker = threads;
  reply_text(reply, reply_context, SHOAL_STATUS_OK, "");
  return b;
malformed:
  reply_error(reply, reply_context, "invalid_config", "cluster_kwargs are not valid JSON", "", 0,
              NULL);
  return NULL;
}

static void adapt(shoal_backend *b, const uint8_t *settings, size_t length, shoal_reply_fn reply,
                  void *reply_context) {
  (void)b;
  /* Capacity is MAX_WORKERS; the core's settings are accepted as they are, unless
   * the minimum exceeds it. */
  const char *minimum = memmem(settings, length, "\"minimum\":", 10);
  if (minimum && strtol(minimum + 10, NULL, 10) > MAX_WORKERS) {
    reply_error(reply, reply_context, "invalid_value", "adapt minimum is above 64 workers", NULL,
                0, "lower adapt_kwargs.minimum");
    return;
  }
  reply(reply_context, SHOAL_STATUS_OK, settings, length);
}

static void describe(shoal_backend *b, shoal_reply_fn reply, void *reply_context) {
  char json[160];
  snprintf(json, sizeof json,
           "{\"initial_workers\":%ld,\"scheduler_binding\":null,\"removes_leftovers\":false}",
           b->n_workers);
  reply_text(reply, reply_context, SHOAL_STATUS_OK, json);
}

/* ---------- workers ---------- */

/* Reaps exited workers without blocking. Call with the lock held. */
static void reap(shoal_backend *b) {
  for (int i = 0; i < b->count; i++) {
    worker *w = &b->workers[i];
    if (w->exited) continue;
    int status = 0;
    if (waitpid(w->pid, &status, WNOHANG) == w->pid) {
      w->exited = 1;
      w->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
}

/* Drops entries of workers that are gone. Call with the lock held. */
static void forget_exited(shoal_backend *b) {
  int kept = 0;
  for (int i = 0; i < b->count; i++) {
    if (!b->workers[i].exited) b->workers[kept++] = b->workers[i];
  }
  b->count = kept;
}

static int live_count(shoal_backend *b) {
  int live = 0;
  for (int i = 0; i < b->count; i++) live += !b->workers[i].exited && !b->workers[i].stopping;
  return live;
}

/* Starts worker `w` (a new entry at workers[count], or an exited one to restart).
 * Call with the lock held; returns 0 or an errno. */
static int start_process(shoal_backend *b, worker *w);

static int spawn_worker(shoal_backend *b) {
  if (b->count >= MAX_WORKERS) return EAGAIN;
  worker *w = &b->workers[b->count];
  memset(w, 0, sizeof *w);
  snprintf(w->name, sizeof w->name, "%s-c%ld", b->cluster_name, b->next_index++);
  int result = start_process(b, w);
  if (result == 0) b->count++;
  return result;
}

static int start_process(shoal_backend *b, worker *w) {
  char threads[32], parent[32], log_path[4096];
  snprintf(threads, sizeof threads, "%ld", b->threads_per_worker);
  snprintf(parent, sizeof parent, "SHOAL_PARENT_PID=%d", (int)getpid());
  snprintf(log_path, sizeof log_path, "%s/%s.log", b->state_directory, w->name);
  char *argv[] = {b->executable, "worker", b->address, "--name", w->name, "--nthreads", threads,
                  "--give-up-after", "15", NULL, NULL, NULL};
  /* The secrets travel in the core's file (only its path is on the command line) or,
     with an older core, in the environment; never on the command line. */
  if (b->token_file) {
    argv[9] = "--token-file";
    argv[10] = b->token_file;
  }
  size_t env_count = 0;
  while (environ[env_count]) env_count++;
  char **envp = calloc(env_count + 3, sizeof *envp);
  if (!envp) return ENOMEM;
  size_t used = 0;
  for (size_t i = 0; i < env_count; i++) {
    if (strncmp(environ[i], "SHOAL_TOKEN=", 12) && strncmp(environ[i], "SHOAL_PARENT_PID=", 17))
      envp[used++] = environ[i];
  }
  char *token = NULL;
  if (!b->token_file) {
    token = malloc(strlen(b->token) + 13);
    if (!token) {
      free(envp);
      return ENOMEM;
    }
    sprintf(token, "SHOAL_TOKEN=%s", b->token);
    envp[used++] = token;
  }
  envp[used++] = parent;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  /* Its own process group, so a Ctrl-C meant for shoal reaches workers through shoal. */
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  int result = posix_spawnp(&w->pid, b->executable, &actions, &attributes, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  free(token);
  free(envp);
  if (result == 0) {
    w->exited = 0;
    w->stopping = 0;
  }
  return result;
}

/* While the cluster runs: a worker that exits without being asked is restarted
 * (up to 5 times), so the cluster keeps its size. */
static void *monitor(void *argument) {
  shoal_backend *b = argument;
  for (;;) {
    pthread_mutex_lock(&b->lock);
    if (!b->running) {
      b->monitoring = 0;
      pthread_mutex_unlock(&b->lock);
      return NULL;
    }
    reap(b);
    for (int i = 0; i < b->count; i++) {
      worker *w = &b->workers[i];
      if (w->exited && !w->stopping && w->restarts < 5) {
        char message[256];
        snprintf(message, sizeof message, "%s exited unexpectedly with status %d; restarting",
                 w->name, w->status);
        log_message(b, SHOAL_LOG_WARNING, message);
        w->restarts++;
        start_process(b, w);
      }
    }
    pthread_mutex_unlock(&b->lock);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
}

/* SIGTERM, then up to 10 s for them to exit, then SIGKILL. Call without the lock. */
static void stop_pids(shoal_backend *b, pid_t *pids, int n) {
  for (int i = 0; i < n; i++) kill(pids[i], SIGTERM);
  for (int round = 0; round < 200; round++) {
    pthread_mutex_lock(&b->lock);
    reap(b);
    int alive = 0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < b->count; j++)
        if (b->workers[j].pid == pids[i] && !b->workers[j].exited) alive++;
    pthread_mutex_unlock(&b->lock);
    if (!alive) return;
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  for (int i = 0; i < n; i++) kill(pids[i], SIGKILL);
  for (int i = 0; i < n; i++) waitpid(pids[i], NULL, 0);
  pthread_mutex_lock(&b->lock);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < b->count; j++)
      if (b->workers[j].pid == pids[i] && !b->workers[j].exited) {
        b->workers[j].exited = 1;
        b->workers[j].status = 128 + SIGKILL;
      }
  pthread_mutex_unlock(&b->lock);
}

/* ---------- asynchronous calls, one detached thread each ---------- */

typedef struct job {
  shoal_backend *b;
  int kind; /* 0 scale, 1 stop_workers, 2 workers, 3 cancel_run */
  long count;
  char *names; /* stop_workers: the JSON array */
  size_t names_length;
  shoal_reply_fn reply;
  void *reply_context;
} job;

static void do_scale(job *j) {
  shoal_backend *b = j->b;
  pid_t surplus[MAX_WORKERS];
  int n_surplus = 0, error = 0;
  /* The core calls run and scale concurrently: wait up to 10 s for run to arrive. */
  pthread_mutex_lock(&b->lock);
  for (int waited = 0; !b->running && waited < 500; waited++) {
    pthread_mutex_unlock(&b->lock);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&b->lock);
  }
  if (!b->running) {
    pthread_mutex_unlock(&b->lock);
    reply_error(j->reply, j->reply_context, "invalid_state", "the cluster is not running", NULL, 0,
                NULL);
    return;
  }
  reap(b);
  forget_exited(b);
  if (j->count < 0 || j->count > MAX_WORKERS) {
    pthread_mutex_unlock(&b->lock);
    reply_error(j->reply, j->reply_context, "invalid_value", "cannot scale beyond 64 workers",
                NULL, 0, NULL);
    return;
  }
  while (live_count(b) < j->count && !error) error = spawn_worker(b);
  /* Scale down: the newest workers go first. */
  for (int i = b->count - 1; i >= 0 && live_count(b) > j->count; i--) {
    if (!b->workers[i].stopping && !b->workers[i].exited) {
      b->workers[i].stopping = 1;
      surplus[n_surplus++] = b->workers[i].pid;
    }
  }
  pthread_mutex_unlock(&b->lock);
  if (n_surplus) {
    stop_pids(b, surplus, n_surplus);
    pthread_mutex_lock(&b->lock);
    forget_exited(b);
    pthread_mutex_unlock(&b->lock);
  }
  if (error) {
    char message[256];
    snprintf(message, sizeof message, "cannot start `%s worker`: %s", b->executable,
             strerror(error));
    reply_error(j->reply, j->reply_context, "backend_failed", message, NULL, 0,
                "check that the shoal executable exists");
    return;
  }
  reply_text(j->reply, j->reply_context, SHOAL_STATUS_OK, "");
}

static void do_stop(job *j) {
  shoal_backend *b = j->b;
  pid_t pids[MAX_WORKERS];
  int n = 0;
  cursor c = {j->names, j->names + j->names_length};
  skip_space(&c);
  if (c.p < c.end && *c.p == '[') c.p++;
  pthread_mutex_lock(&b->lock);
  for (;;) {
    char name[128];
    skip_space(&c);
    if (c.p >= c.end || *c.p == ']' || !read_string(&c, name, sizeof name)) break;
    for (int i = 0; i < b->count; i++) {
      if (strcmp(b->workers[i].name, name) == 0 && !b->workers[i].exited && n < MAX_WORKERS) {
        b->workers[i].stopping = 1;
        pids[n++] = b->workers[i].pid;
      }
    }
    skip_space(&c);
    if (c.p < c.end && *c.p == ',') c.p++;
  }
  pthread_mutex_unlock(&b->lock);
  stop_pids(b, pids, n);
  pthread_mutex_lock(&b->lock);
  forget_exited(b);
  pthread_mutex_unlock(&b->lock);
  reply_text(j->reply, j->reply_context, SHOAL_STATUS_OK, "");
}

static void do_workers(job *j) {
  shoal_backend *b = j->b;
  size_t size = 256 + (size_t)MAX_WORKERS * 256;
  char *json = malloc(size);
  if (!json) {
    reply_error(j->reply, j->reply_context, "backend_failed", "out of memory", NULL, 0, NULL);
    return;
  }
  strcpy(json, "[");
  pthread_mutex_lock(&b->lock);
  reap(b);
  for (int i = 0; i < b->count; i++) {
    worker *w = &b->workers[i];
    if (i) strcat(json, ",");
    strcat(json, "{\"name\":");
    json_string(json, size, w->name);
    char rest[128];
    if (w->exited)
      snprintf(rest, sizeof rest, ",\"state\":\"exited\",\"exit_status\":%d}", w->status);
    else
      snprintf(rest, sizeof rest,
               ",\"state\":\"%s\",\"location\":\"pid %d\",\"restarts\":%d}",
               w->stopping ? "stopping" : "running", (int)w->pid, w->restarts);
    strcat(json, rest);
  }
  pthread_mutex_unlock(&b->lock);
  strcat(json, "]");
  reply_text(j->reply, j->reply_context, SHOAL_STATUS_OK, json);
  free(json);
}

static void do_cancel_run(job *j) {
  shoal_backend *b = j->b;
  pid_t pids[MAX_WORKERS];
  int n = 0;
  pthread_mutex_lock(&b->lock);
  b->running = 0; /* no more restarts, no more scaling */
  reap(b);
  for (int i = 0; i < b->count; i++)
    if (!b->workers[i].exited) pids[n++] = b->workers[i].pid;
  pthread_mutex_unlock(&b->lock);
  stop_pids(b, pids, n);
  pthread_mutex_lock(&b->lock);
  forget_exited(b);
  shoal_reply_fn reply = b->run_reply;
  void *context = b->run_reply_context;
  b->run_reply = NULL;
  b->log = NULL;
  pthread_mutex_unlock(&b->lock);
  /* The restart thread has stopped (running was cleared first); then reply. */
  for (;;) {
    pthread_mutex_lock(&b->lock);
    int monitoring = b->monitoring;
    pthread_mutex_unlock(&b->lock);
    if (!monitoring) break;
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  if (reply) reply_text(reply, context, SHOAL_STATUS_OK, "");
}

static void *run_job(void *argument) {
  job *j = argument;
  switch (j->kind) {
  case 0: do_scale(j); break;
  case 1: do_stop(j); break;
  case 2: do_workers(j); break;
  default: do_cancel_run(j); break;
  }
  free(j->names);
  free(j);
  return NULL;
}

static void start_job(job *j) {
  pthread_t thread;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&thread, &attributes, run_job, j) != 0) run_job(j);
  pthread_attr_destroy(&attributes);
}

static job *new_job(shoal_backend *b, int kind, shoal_reply_fn reply, void *reply_context) {
  job *j = calloc(1, sizeof *j);
  if (!j) {
    if (reply) reply_error(reply, reply_context, "backend_failed", "out of memory", NULL, 0, NULL);
    return NULL;
  }
  j->b = b;
  j->kind = kind;
  j->reply = reply;
  j->reply_context = reply_context;
  return j;
}

/* ---------- the scale interface ---------- */

static char *context_field(const uint8_t *context, size_t length, const char *name) {
  cursor c = {(const char *)context, (const char *)context + length};
  skip_space(&c);
  if (c.p >= c.end || *c.p++ != '{') return NULL;
  for (;;) {
    char key[64];
    if (!read_string(&c, key, sizeof key)) return NULL;
    skip_space(&c);
    if (c.p >= c.end || *c.p++ != ':') return NULL;
    if (strcmp(key, name) == 0) {
      char *value = malloc(4096);
      if (value && read_string(&c, value, 4096)) return value;
      free(value);
      return NULL;
    }
    if (!skip_value(&c, 0)) return NULL;
    skip_space(&c);
    if (c.p >= c.end || *c.p++ != ',') return NULL;
  }
}

static void run(shoal_backend *b, const uint8_t *context, size_t length, shoal_log_fn log,
                void *log_context, shoal_reply_fn reply, void *reply_context) {
  char *fields[5];
  const char *names[5] = {"scheduler_address", "token", "worker_executable", "state_directory",
                          "cluster_name"};
  /* With the core's token file the token itself (which can be long under TLS) is not read. */
  char *token_file = context_field(context, length, "token_file");
  for (int i = 0; i < 5; i++) {
    if (i == 1 && token_file) {
      fields[i] = NULL;
      continue;
    }
    fields[i] = context_field(context, length, names[i]);
    if (!fields[i]) {
      for (int k = 0; k < i; k++) free(fields[k]);
      free(token_file);
      char message[128];
      snprintf(message, sizeof message, "the cluster context has no `%s`", names[i]);
      reply_error(reply, reply_context, "invalid_state", message, NULL, 0, NULL);
      return;
    }
  }
  pthread_mutex_lock(&b->lock);
  b->address = fields[0];
  b->token = fields[1];
  b->token_file = token_file;
  b->executable = fields[2];
  b->state_directory = fields[3];
  b->cluster_name = fields[4];
  b->log = log;
  b->log_context = log_context;
  b->run_reply = reply;
  b->run_reply_context = reply_context;
  b->running = 1;
  b->monitoring = 1;
  pthread_mutex_unlock(&b->lock);
  mkdir(b->state_directory, 0700);
  pthread_t thread;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&thread, &attributes, monitor, b) != 0) {
    pthread_mutex_lock(&b->lock);
    b->monitoring = 0;
    pthread_mutex_unlock(&b->lock);
  }
  pthread_attr_destroy(&attributes);
  log_message(b, SHOAL_LOG_DEBUG, "CCluster is running");
}

static void cancel_run(shoal_backend *b) {
  job *j = new_job(b, 3, NULL, NULL);
  if (j) start_job(j);
}

static void scale(shoal_backend *b, int64_t count, shoal_reply_fn reply, void *reply_context) {
  job *j = new_job(b, 0, reply, reply_context);
  if (!j) return;
  j->count = (long)count;
  start_job(j);
}

static void stop_workers(shoal_backend *b, const uint8_t *names, size_t length,
                         shoal_reply_fn reply, void *reply_context) {
  job *j = new_job(b, 1, reply, reply_context);
  if (!j) return;
  j->names = malloc(length + 1);
  if (!j->names) {
    free(j);
    reply_error(reply, reply_context, "backend_failed", "out of memory", NULL, 0, NULL);
    return;
  }
  memcpy(j->names, names, length);
  j->names[length] = 0;
  j->names_length = length;
  start_job(j);
}

static void workers(shoal_backend *b, shoal_reply_fn reply, void *reply_context) {
  job *j = new_job(b, 2, reply, reply_context);
  if (j) start_job(j);
}

static void release(shoal_backend *b) {
  free(b->address);
  free(b->token);
  free(b->token_file);
  free(b->executable);
  free(b->state_directory);
  free(b->cluster_name);
  pthread_mutex_destroy(&b->lock);
  free(b);
}

static const shoal_cluster_class c_cluster = {
    .name = "CCluster",
    .is_factory = 0,
    .class_context = NULL,
    .create = create,
    .adapt = adapt,
    .describe = describe,
    .run = run,
    .cancel_run = cancel_run,
    .scale = scale,
    .stop_workers = stop_workers,
    .workers = workers,
    .release = release,
    .remove_leftovers = NULL,
};

static const shoal_cluster_class *const classes[] = {&c_cluster};

static const shoal_plugin table = {
    .abi_major = SHOAL_ABI_MAJOR,
    .abi_minor = SHOAL_ABI_MINOR,
    .module = "CBackend",
    .sdk = "C",
    .class_count = 1,
    .classes = classes,
    .task_count = 0,
    .tasks = NULL,
};

const shoal_plugin *shoal_plugin_table(const shoal_host *host) {
  /* Refuse a core of another major: the table's layout would not be what it reads. */
  if (host && host->abi_major != SHOAL_ABI_MAJOR) return NULL;
  return &table;
}
