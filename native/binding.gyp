{
  "targets": [
    {
      "target_name": "slipstream",
      "variables": {
        "have_sodium": "<!(node -p \"require('fs').existsSync('/usr/include/sodium.h') ? 1 : 0\")"
      },
      "sources": [
        "src/addon.cc",
        "src/args.cc",
        "src/batch_channel.cc",
        "src/copy_ranges.cc",
        "src/handle_set.cc",
        "src/js_errors.cc",
        "src/netconfig_bindings.cc",
        "src/ring/adapter_recovery.cc",
        "src/ring/ring_batch.cc",
        "src/ring/test_ring.cc",
        "src/offload/checksum.cc",
        "src/offload/coalescer.cc",
        "src/offload/packet_headers.cc",
        "src/offload/splitter.cc",
        "src/offload_bindings.cc",
        "src/text_search.cc",
        "src/tun_device.cc",
        "src/udp_socket.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": [
              "src/linux/netlink_linux.cc",
              "src/linux/system_linux.cc",
              "src/linux/tun_linux.cc",
              "src/linux/tun_offload_linux.cc",
              "src/linux/udp_linux.cc"
            ],
            "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-O2"],
            "cflags_cc!": ["-fno-exceptions"],
            "conditions": [
              [
                "have_sodium==1",
                {
                  "sources": [
                    "src/fastpath/batch_helper.cc",
                    "src/fastpath/fast_path.cc",
                    "src/fastpath/fast_path_receive.cc",
                    "src/fastpath/fast_path_send.cc",
                    "src/fastpath/fast_path_test_hooks.cc",
                    "src/fastpath/fast_path_bindings.cc",
                    "src/fastpath/peer_table.cc",
                    "src/fastpath/wg_transport.cc"
                  ],
                  "defines": ["SLIPSTREAM_FAST_PATH"],
                  "libraries": [
                    "/usr/lib/<!(gcc -print-multiarch)/libsodium.a",
                    "-Wl,--exclude-libs,ALL",
                    "-lpthread"
                  ]
                }
              ]
            ]
          }
        ],
        [
          "OS=='win'",
          {
            "sources": [
              "src/windows/dns_windows.cc",
              "src/windows/netconfig_windows.cc",
              "src/windows/pipe_security.cc",
              "src/windows/pipe_server.cc",
              "src/windows/service.cc",
              "src/windows/service_control.cc",
              "src/windows/sessions_windows.cc",
              "src/windows/system_windows.cc",
              "src/windows/tun_wintun.cc",
              "src/windows/udp_receive_windows.cc",
              "src/windows/udp_send_windows.cc",
              "src/windows/udp_socket_windows.cc",
              "src/windows/wfp_windows.cc",
              "src/windows/win32_util.cc",
              "src/windows/winnet_bindings.cc",
              "src/windows/wintun_api.cc",
              "src/windows/wintun_bindings.cc"
            ],
            "libraries": ["-liphlpapi", "-lfwpuclnt", "-lole32", "-lwtsapi32"],
            "msvs_settings": {
              "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/W4", "/WX"] }
            }
          }
        ]
      ]
    }
  ]
}
