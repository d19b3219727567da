#!/usr/bin/env bash
# Builds (and with --push, pushes) every ab-distill image from the repository root:
#   <registry>/<program>:<tag>       CPU (wasm backend) for the four services and the CLI
#   <registry>/<service>-gpu:<tag>   CUDA + tfjs-node-gpu for teacher-inference, student-trainer
# Usage: tools/build-images.sh [--push] [--no-gpu] [--registry R] [--tag T]
# Env: REGISTRY (default ab-distill), TAG (default 0.1.0), DOCKER (default docker; podman works).
set -euo pipefail

cd "$(dirname "$0")/.."
REGISTRY="${REGISTRY:-ab-distill}"
TAG="${TAG:-0.1.0}"
DOCKER="${DOCKER:-docker}"
PUSH=0
GPU=1
while [ $# -gt 0 ]; do
  case "$1" in
    --push) PUSH=1 ;;
    --no-gpu) GPU=0 ;;
    --registry) REGISTRY="$2"; shift ;;
    --tag) TAG="$2"; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

# Keep in step with SERVICE_KEYS in libs/grpc-kit/src/ports.ts (deploy/tests check it).
CPU_PROGRAMS="teacher-inference boundary-extractor student-trainer evaluator cli"
GPU_PROGRAMS="teacher-inference student-trainer"

build() { # <dockerfile> <service> <image>
  echo "==> $3"
  "$DOCKER" build -f "$1" --build-arg "SERVICE=$2" -t "$3" .
  if [ "$PUSH" = 1 ]; then "$DOCKER" push "$3"; fi
}

for p in $CPU_PROGRAMS; do
  build deploy/docker/Dockerfile "$p" "$REGISTRY/$p:$TAG"
done
if [ "$GPU" = 1 ]; then
  for p in $GPU_PROGRAMS; do
    build deploy/docker/Dockerfile.gpu "$p" "$REGISTRY/$p-gpu:$TAG"
  done
fi
[ "$GPU" = 1 ] && echo "built: $CPU_PROGRAMS, gpu: $GPU_PROGRAMS as $REGISTRY/*:$TAG" || echo "built: $CPU_PROGRAMS as $REGISTRY/*:$TAG"
