{
  "targets": [
    {
      "target_name": "elegy_kernels",
      "sources": [
        "native/napi.cc",
        "native/threads.cc",
        "native/isa.cc",
        "native/simd-avx2.cc",
        "native/simd-avx512.cc",
        "native/gemm.cc",
        "native/conv.cc",
        "native/pooling.cc",
        "native/optimizer.cc",
        "native/elementwise.cc"
      ],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2 } }
    }
  ]
}
