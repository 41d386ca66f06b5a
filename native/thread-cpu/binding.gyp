{
  "targets": [
    {
      "target_name": "thread_cpu",
      "sources": ["thread_cpu.c"],
      "cflags": ["-O2"]
    }
  ]
}
