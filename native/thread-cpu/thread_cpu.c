/*
 * CPU time of the calling thread, in nanoseconds: clock_gettime(CLOCK_THREAD_CPUTIME_ID).
 * Node 22 has no JavaScript API for it (process.threadCpuUsage() arrived in Node 23.9), and
 * /proc/thread-self/schedstat is only refreshed at scheduler events, so it is stale by up to a
 * scheduler tick for a running thread: too coarse to bill a sub-millisecond player tick.
 * Context-aware (NAPI_MODULE_INIT), so every worker thread can load it.
 */
#include <node_api.h>
#include <time.h>

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

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "threadCpuNs", NAPI_AUTO_LENGTH, ThreadCpuNs, NULL, &fn);
  napi_set_named_property(env, exports, "threadCpuNs", fn);
  return exports;
}
