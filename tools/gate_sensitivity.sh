#!/usr/bin/env bash
# Does the accuracy gate catch real regressions? For the unchanged code and for each patch in
# tools/injected_regressions/ (the MS displacement zeroed, the temporal shift removed, the learning rate x10), train
# the gated rows with config/remeasure.yaml in a scratch worktree, evaluate them, and run the gate against
# results/reference/accuracy.json. SEED (default 10) is a seed the reference does not have, so even the unchanged
# case is an independent draw. The cases reuse the synthetic data and pretraining weights of DATA (default
# results/remeasure: run `snakemake --cores all --configfile config/remeasure.yaml` first; the study's folder has the
# same ones), so each case costs its training only (about 11 minutes a row on 2 cores).
#   bash tools/gate_sensitivity.sh                       # every case, TSM-R18 and MSNet-R18
#   ROWS=msnet-r18_8f bash tools/gate_sensitivity.sh tools/injected_regressions/ms-displacement-zeroed.patch
# Verdicts: reports/remeasure/gate_sensitivity/<case>.md; the runs' result files: .../<case>/ (re-gate them later with
# python -m msnet gate --results .../<case>/eval/synthetic/*/seed*/1clip.json --reference ...).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
rows=${ROWS:-"tsm-r18_8f msnet-r18_8f"}
seed=${SEED:-10}
data=$(realpath "${DATA:-results/remeasure}")
out=$repo/reports/remeasure/gate_sensitivity
mkdir -p "$out"
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(unchanged tools/injected_regressions/*.patch)
for case in "${cases[@]}"; do
  name=$(basename "$case" .patch)
  scratch=$(mktemp -d)
  git worktree add -q --detach "$scratch/repo" HEAD
  if [ "$case" != unchanged ]; then git -C "$scratch/repo" apply "$repo/$case"; fi
  mkdir -p "$scratch/repo/results/remeasure"
  for part in synthetic data pretrain; do ln -s "$data/$part" "$scratch/repo/results/remeasure/$part"; done
  targets=""
  for row in $rows; do targets="$targets results/remeasure/eval/synthetic/$row/seed$seed/1clip.json"; done
  # params only: the linked data and weights count as made (their code is the same; only the patch differs)
  (cd "$scratch/repo" && snakemake $targets --cores 2 --configfile config/remeasure.yaml --rerun-triggers params \
      > "$out/$name.log" 2>&1)
  for kind in train eval; do
    mkdir -p "$out/$name/$kind"
    (cd "$scratch/repo/results/remeasure" && find "$kind" \( -name '*.json' -o -name 'log.csv' \) -exec cp --parents {} "$out/$name/" \;)
  done
  status=0
  python -m msnet gate --results $(for t in $targets; do echo "$out/$name/${t#results/remeasure/}"; done) \
      --reference "$repo/results/reference/accuracy.json" --out "$out/$name.md" > /dev/null 2>&1 || status=$?
  echo "$name: gate exit $status ($( [ $status -eq 0 ] && echo PASSED || echo FAILED ))" | tee -a "$out/summary.txt"
  git worktree remove --force "$scratch/repo"
  rm -rf "$scratch"
done
