#!/usr/bin/env bash
# Does the accuracy gate catch real regressions? For the unchanged code and for each patch in
# tools/injected_regressions/ (the MS displacement zeroed, the temporal shift removed, the learning rate x10), train
# the gated rows with config/remeasure.yaml (and the CONFIG overlays) in a scratch worktree, evaluate them, and run the
# gate against REFERENCE (default results/reference/accuracy.json). SEED (default 10) is a seed the reference does not
# have, so even the unchanged case is an independent draw. The cases reuse the synthetic data and pretraining weights
# of DATA (default the results root, results/remeasure: run `snakemake --cores all --configfile config/remeasure.yaml`
# first; the study's folder has the same ones), so each case costs its training only (6-12 minutes a row on 2 cores
# with native bf16; 23-29 minutes in fp32 on an AVX2-only CPU). Relative paths are taken from the repository's root.
#   bash tools/gate_sensitivity.sh                       # every case, TSM-R18 and MSNet-R18
#   ROWS=msnet-r18_8f bash tools/gate_sensitivity.sh tools/injected_regressions/ms-displacement-zeroed.patch
# On a CPU without native bf16 (AVX2 only), run the fp32 protocol against the fp32 reference (data and pretraining
# made with the same overlay):
#   CONFIG=config/fp32.yaml REFERENCE=results/reference/fp32_avx2/accuracy.json ROWS=msnet-r18_8f \
#     OUT=reports/remeasure/gate_sensitivity_fp32 bash tools/gate_sensitivity.sh
# The gate's protocol from random weights (CI's; an overlay that sets `profile` moves the results root, here to
# results/from_scratch, and DATA and OUT follow it; no pretraining to link):
#   snakemake results/from_scratch/data/ssv1/decode_check.json --cores 2 \
#     --configfile config/remeasure.yaml config/from-scratch.yaml
#   CONFIG=config/from-scratch.yaml REFERENCE=results/reference/from_scratch/accuracy.json \
#     bash tools/gate_sensitivity.sh
# Verdicts: $OUT/<case>.md (OUT default reports/<profile>/gate_sensitivity); the runs' result files: $OUT/<case>/
# (re-gate them later: python -m msnet gate --results $OUT/<case>/eval/synthetic/*/seed*/1clip.json --reference ...).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
rows=${ROWS:-"tsm-r18_8f msnet-r18_8f"}
seed=${SEED:-10}
overlays=${CONFIG:-}  # config files laid over config/remeasure.yaml, e.g. config/fp32.yaml
# the results root is results/<profile>: the profile of the last config file that names one, in the workflow's order
profile=$(python -c 'import sys, yaml
print([c["profile"] for c in map(yaml.safe_load, map(open, sys.argv[1:])) if c and "profile" in c][-1])' \
  config.yaml config/remeasure.yaml $overlays)
root=results/$profile
data=$(realpath "${DATA:-$root}")
reference=$(realpath "${REFERENCE:-results/reference/accuracy.json}")
out=$(realpath -m "${OUT:-reports/$profile/gate_sensitivity}")
mkdir -p "$out"
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(unchanged tools/injected_regressions/*.patch)
scratch=""
# a case that fails (its training, say) stops the script: its scratch worktree goes with it
remove_scratch() {
  if [ -n "$scratch" ]; then
    git -C "$repo" worktree remove --force "$scratch/repo" 2>/dev/null || true
    rm -rf "$scratch"
  fi
}
trap remove_scratch EXIT
for case in "${cases[@]}"; do
  name=$(basename "$case" .patch)
  scratch=$(mktemp -d)
  git worktree add -q --detach "$scratch/repo" HEAD
  if [ "$case" != unchanged ]; then git -C "$scratch/repo" apply "$repo/$case"; fi
  # Snakemake reruns a job whose input files are newer than its outputs, whatever --rerun-triggers says: date the fresh
  # checkout's files back so the linked data and weights stay made
  find "$scratch/repo" -name .git -prune -o -exec touch -h -d 2000-01-01 {} +
  mkdir -p "$scratch/repo/$root"
  for part in synthetic data pretrain; do
    if [ -e "$data/$part" ]; then ln -s "$data/$part" "$scratch/repo/$root/$part"; fi
  done
  targets=""
  for row in $rows; do targets="$targets $root/eval/synthetic/$row/seed$seed/1clip.json"; done
  # params only: the linked data and weights count as made (their code is the same; only the patch differs)
  (cd "$scratch/repo" && snakemake $targets --cores 2 --configfile config/remeasure.yaml $overlays \
      --rerun-triggers params > "$out/$name.log" 2>&1)
  for kind in train eval; do
    mkdir -p "$out/$name/$kind"
    (cd "$scratch/repo/$root" && find "$kind" \( -name '*.json' -o -name 'log.csv' \) -exec cp --parents {} "$out/$name/" \;)
  done
  status=0
  python -m msnet gate --results $(for t in $targets; do echo "$out/$name/${t#$root/}"; done) \
      --reference "$reference" --out "$out/$name.md" > /dev/null 2>&1 || status=$?
  echo "$name: gate exit $status ($( [ $status -eq 0 ] && echo PASSED || echo FAILED ))" | tee -a "$out/summary.txt"
  git worktree remove --force "$scratch/repo"
  rm -rf "$scratch"
  scratch=""
done
