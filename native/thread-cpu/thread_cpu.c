/*
 * Per-thread primitives the worker threads need and Node does not expose.
 * - threadCpuNs(): CPU time of the calling thread, in nanoseconds: clock_gettime(CLOCK_THREAD_CPUTIME_ID).
 *   Node 22 has no JavaScript API for it (process.threadCpuUsage() arrived in Node 23.9), and
 *   /proc/thread-self/schedstat is only refreshed at scheduler events, so it is stale by up to a
 *   scheduler tick for a running thread: too coarse to bill a sub-millisecond player tick.
 * - setTimerSlackNs(ns): prctl(PR_SET_TIMERSLACK) for the calling thread (Linux; false elsewhere or on
 *   failure). Threads this thread starts later inherit the value.
 * Context-aware (NAPI_MODULE_INIT), so every worker thread can load it.
 */
#include <node_api.h>
#include <stdbool.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

static napi_value ThreadCpuNs(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  napi_value out;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
    napi_throw_error(env, NULL, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    return NULL;
  }
  napi_create_double(env, (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec, &out);
  return out;
}

static napi_value SetTimerSlackNs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double ns = 0;
  bool ok = false;
  napi_value out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1 &&
      napi_get_value_double(env, argv[0], &ns) == napi_ok && ns >= 1 && ns <= 1e9) {
#ifdef PR_SET_TIMERSLACK
    ok = prctl(PR_SET_TIMERSLACK, (unsigned long)ns, 0, 0, 0) == 0;
#endif
  }
  napi_get_boolean(env, ok, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "threadCpuNs", NAPI_AUTO_LENGTH, ThreadCpuNs, NULL, &fn);
  napi_set_named_property(env, exports, "threadCpuNs", fn);
  napi_create_function(env, "setTimerSlackNs", NAPI_AUTO_LENGTH, SetTimerSlackNs, NULL, &fn);
  napi_set_named_property(env, exports, "setTimerSlackNs", fn);
  return exports;
}
