#!/usr/bin/env bash
# Main-job cost: `cdk synth` of the dentist example against an empty app, in the same run.
# Median wall time of RUNS runs each. A benchmark, not a test:  npx projen bench:example
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cdk="$root/node_modules/.bin/cdk"

cat > "$tmp/empty.js" <<'JS'
const { App, Stack } = require('aws-cdk-lib');
const app = new App();
new Stack(app, 'Empty');
JS
cp "$tmp/empty.js" "$tmp/empty.ts"
ln -s "$root/node_modules" "$tmp/node_modules"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # name, dir, app command ('' = the dir's cdk.json)
  local name=$1 dir=$2 app=$3 times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    if [ -n "$app" ]; then (cd "$dir" && "$cdk" synth --quiet --app "$app" -o "$tmp/out" >/dev/null 2>&1)
    else (cd "$dir" && "$cdk" synth --quiet >/dev/null 2>&1); fi
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%-40s %6s ms\n' "$name" "$(printf '%s\n' "${times[@]}" | median)"
}

echo "median of $runs runs of 'cdk synth --quiet'; node $(node --version)"
measure 'empty app, plain JavaScript' "$tmp" 'node empty.js'
measure 'empty app, TypeScript through ts-node' "$tmp" "$root/node_modules/.bin/ts-node --project $root/tsconfig.dev.json empty.ts"
measure 'dentist example (esbuild, then node)' "$root/examples/dentist" ''
