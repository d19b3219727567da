#!/usr/bin/env bash
# Idempotent set-up of a fresh machine: Debian packages (when root and missing), npm
# dependencies (when missing or older than package-lock.json), and the native kernels.
# Fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# dataset-fashion-mnist: the embedded default data; libdnnl-dev: the native kernels (optional);
# protobuf-compiler/libprotobuf-dev: proto generation check; python3-grpcio/-grpc-tools: the
# foreign-client test; g++/make: building the native addon; chromium: the web view's browser test.
# python3-onnx: onnx.checker on exported models; python3-torch/libopenblas0-pthread: reference
# parameter counts of the built-in student families.
PKGS=(dataset-fashion-mnist libdnnl-dev protobuf-compiler libprotobuf-dev python3-grpcio python3-grpc-tools g++ make chromium python3-onnx python3-torch libopenblas0-pthread)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}"
    echo "setup: run: sudo apt-get install -y ${missing[*]}"
    echo "setup: (only dataset-fashion-mnist is needed for the demo; or set ABD_DATA_DIR to a directory with the Fashion-MNIST .gz files)"
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  # onnxruntime-node's documented switch (also in .npmrc) to skip its CUDA download from NuGet.
  export ONNXRUNTIME_NODE_INSTALL=skip
  npm ci --no-audit --no-fund
fi
