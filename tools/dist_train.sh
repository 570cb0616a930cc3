#!/usr/bin/env bash
# Distributed training with torchrun and mmengine's pytorch launcher.
#   bash tools/dist_train.sh CONFIG NGPUS [train.py args]
# Multi-node: NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 on each
# node (NODE_RANK 0..NNODES-1). Without a GPU, NGPUS CPU processes train with
# the gloo backend.
set -euo pipefail
CONFIG=$1
NGPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
TOOLS=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH="$(dirname "$TOOLS"):${PYTHONPATH:-}" \
python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NGPUS" \
    --master_port="$PORT" \
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "${@:3}"
