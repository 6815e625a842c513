{
  "variables": { "with_blas%": 0 },
  "targets": [
    {
      "target_name": "transfusion_native",
      "sources": ["csrc/addon.cc", "csrc/conv.cc", "csrc/pool-reduce.cc", "csrc/elementwise.cc",
                  "csrc/conv-narrow.cc", "csrc/avg-pool.cc", "csrc/batch-norm-grad.cc",
                  "csrc/relu.cc", "csrc/adam.cc", "csrc/batch-norm-train.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-fexceptions", "-fno-math-errno"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl", "-lgomp"],
      "conditions": [
        ["with_blas==1", {
          "sources": ["csrc/linalg.cc"],
          "defines": ["TRANSFUSION_WITH_BLAS"],
          "libraries": ["-lopenblas"]
        }]
      ]
    }
  ]
}
