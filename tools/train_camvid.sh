#!/usr/bin/env bash
# The shipped model's whole recipe in one command, from scratch:
#   stage 1  configs/fastscnn_camvid.py            (150 epochs, early stopping)
#   stage 2  configs/fastscnn_camvid_lovasz-ft.py  (10 epochs plain CE + Lovasz,
#            from stage 1's best checkpoint)
# Usage: bash tools/train_camvid.sh [--trainval] [train.py options for both stages]
#   e.g. --resume (continue whatever stage was cut off), --cfg-options ...
#   --trainval: the released model's recipe: both stages on train + val (468
#   frames), each for its whole schedule without validation; stage 2 starts
#   from stage 1's last epoch and its last epoch is the model
#   (configs/fastscnn_camvid{,_lovasz-ft}_trainval.py, work dirs *_trainval).
# Work dirs: $WORK_DIR/fastscnn_camvid and $WORK_DIR/fastscnn_camvid_lovasz-ft
# (WORK_DIR defaults to work_dirs; relative to the project root). The model
# to publish (tools/publish_model.py) is stage 2's best_mIoU_epoch_*.pth, or
# with --trainval its last epoch.
# --work-dir and --load-from are refused: they would apply to both stages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
WORK_DIR=${WORK_DIR:-work_dirs}
SUFFIX=
args=()
for arg in "$@"; do
    if [ "$arg" = --trainval ]; then SUFFIX=_trainval; else args+=("$arg"); fi
done
set -- ${args[@]+"${args[@]}"}
STAGE1="$WORK_DIR/fastscnn_camvid$SUFFIX"
STAGE2="$WORK_DIR/fastscnn_camvid_lovasz-ft$SUFFIX"
prev=
for arg in "$@"; do
    case "$arg" in
        --work-dir|--work-dir=*|--load-from|--load-from=*)
            echo "error: $arg would apply to both stages; set WORK_DIR=... to" \
                "move the work dirs (stage 2 loads stage 1's best itself)" >&2
            exit 2 ;;
        --resume=*)
            prev=--resume; arg=${arg#--resume=} ;;
    esac
    if [ "$prev" = --resume ] && [ "${arg#-}" = "$arg" ] && [ "$arg" != auto ]; then
        echo "error: --resume $arg names one checkpoint for both stages;" \
            "use a bare --resume (each stage resumes its own work dir)" >&2
        exit 2
    fi
    prev=$arg
done

$PY tools/train.py "configs/fastscnn_camvid$SUFFIX.py" --work-dir "$STAGE1" "$@"
shopt -s nullglob
if [ -n "$SUFFIX" ]; then  # no validation: the last epoch is the model
    start=$(cat "$STAGE1/last_checkpoint" 2>/dev/null || true)
    start="$STAGE1/$(basename "$start")"
    if [ ! -f "$start" ]; then
        echo "error: no last checkpoint in $STAGE1 after stage 1" >&2
        exit 1
    fi
else
    best=("$STAGE1"/best_mIoU_epoch_*.pth)
    if [ ${#best[@]} -ne 1 ]; then
        echo "error: expected one best_mIoU_epoch_*.pth in $STAGE1 after stage 1," \
            "found ${#best[@]}" >&2
        exit 1
    fi
    start=${best[0]}
fi
$PY tools/train.py "configs/fastscnn_camvid_lovasz-ft$SUFFIX.py" --work-dir "$STAGE2" \
    --load-from "$start" "$@"
