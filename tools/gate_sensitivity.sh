#!/usr/bin/env bash
# Does the accuracy gate catch real regressions? For the unchanged code and for each patch in
# tools/injected_regressions/ (the MS displacement zeroed, the temporal shift removed, the learning rate x10), train
# the gated rows (seed 0) with config/remeasure.yaml in a scratch worktree, evaluate them, and run the gate against
# results/reference/accuracy.json. The cases reuse this checkout's synthetic data and pretraining weights
# (results/remeasure: run `snakemake --cores all --configfile config/remeasure.yaml` first), so each costs its
# training only (about 15 minutes on 2 cores).
#   bash tools/gate_sensitivity.sh            # verdicts in reports/remeasure/gate_sensitivity/<case>.md
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
rows=${ROWS:-"tsm-r18_8f msnet-r18_8f"}
out=$repo/reports/remeasure/gate_sensitivity
mkdir -p "$out"
for case in unchanged tools/injected_regressions/*.patch; do
  name=$(basename "$case" .patch)
  scratch=$(mktemp -d)
  git worktree add -q --detach "$scratch/repo" HEAD
  if [ "$case" != unchanged ]; then git -C "$scratch/repo" apply "$repo/$case"; fi
  mkdir -p "$scratch/repo/results/remeasure"
  for part in synthetic data pretrain; do ln -s "$repo/results/remeasure/$part" "$scratch/repo/results/remeasure/$part"; done
  targets=""
  for row in $rows; do targets="$targets results/remeasure/eval/synthetic/$row/seed0/1clip.json"; done
  # params only: the linked data and weights count as made (their code is the same; only the patch differs)
  (cd "$scratch/repo" && snakemake $targets --cores 2 --configfile config/remeasure.yaml --rerun-triggers params \
      > "$out/$name.log" 2>&1)
  status=0
  (cd "$scratch/repo" && python -m msnet gate --results $targets --reference "$repo/results/reference/accuracy.json" \
      --out "$out/$name.md" > /dev/null 2>&1) || status=$?
  echo "$name: gate exit $status ($( [ $status -eq 0 ] && echo PASSED || echo FAILED ))" | tee -a "$out/summary.txt"
  git worktree remove --force "$scratch/repo"
  rm -rf "$scratch"
done
