{
  "targets": [
    {
      "target_name": "probe",
      "sources": ["probe.cc"],
      "cflags_cc": ["-std=c++20", "-Wall", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++20"]
    }
  ]
}
