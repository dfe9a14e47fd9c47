{
  "targets": [
    {
      "target_name": "interruptible",
      "sources": [
        "native/addon.cc",
        "native/pin.cc",
        "native/registry.cc",
        "native/boundary.cc",
        "native/async.cc",
        "native/callback.cc",
        "native/requests.cc",
        "native/queries.cc",
        "native/shield.cc",
        "native/termination.cc",
        "native/deadline.cc",
        "native/stack.cc",
        "native/clone.cc",
        "native/watchdog.cc",
        "native/heartbeat.cc",
        "native/stall_report.cc",
        "native/stall.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags_cc": ["-std=c++20", "-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++20"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++20",
        "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++20"] }
      }
    }
  ]
}
