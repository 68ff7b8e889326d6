#!/usr/bin/env bash
# Consumer smoke test. Packs the library, then follows the README as a consumer would: its install
# lines ("Use a local build in another app", the block fenced `sh consumer-install`) and its dev
# dependencies for a local jest test (`sh consumer-dev-install`) run as written in a fresh app, so the
# README cannot drift from what works. In that app: a stack synthesized from plain JavaScript, the
# bundled tools (`replay --help`), and a jest test of the app's own pipeline run locally (DynamoDB
# Local and the SQS emulator as its dev dependencies). The oldest supported aws-cdk-lib gets the
# synth too (the README's `^2.175.1` installs the newest). Also checks what the tarball holds.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
start=$(date +%s)
step() { echo; echo "=== $1 ($(( $(date +%s) - start )) s)"; }
dev() { node -p "require('$root/package.json').devDependencies['$1']"; }

# The README's code block fenced "```sh <name>", line by line as written.
readme_block() { awk -v fence="\`\`\`sh $1" '$0 == fence { on = 1; next } on && /^```/ { exit } on { print }' "$root/README.md"; }
install=$(readme_block consumer-install)
dev_install=$(readme_block consumer-dev-install)
[ -n "$install" ] || { echo "README.md has no block fenced 'sh consumer-install' (Use a local build in another app)"; exit 1; }
[ -n "$dev_install" ] || { echo "README.md has no block fenced 'sh consumer-dev-install' (Your own app, locally and in jest)"; exit 1; }
# The block's first half runs in the clone, which this checkout stands for; the rest in the app.
in_clone=$(sed '/^cd \.\.\/my-app/,$d' <<<"$install")
in_app=$(sed -n '/^cd \.\.\/my-app/,$p' <<<"$install")
[ -n "$in_app" ] || { echo "README's consumer-install block has no 'cd ../my-app' line"; exit 1; }
grep -qx 'npm ci && npx projen pack *#.*' <<<"$in_clone" || { echo "README's consumer-install block no longer packs with 'npm ci && npx projen pack'"; exit 1; }

step "pack, as the README's 'npm ci && npx projen pack' (this checkout is installed already)"
(cd "$root" && rm -rf dist/js && npx projen pack >/dev/null)
tarball=$(ls "$root"/dist/js/*.tgz)
echo "tarball: $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
contents=$(tar tzf "$tarball" | sed 's#^package/##')
for required in package.json .jsii API.md README.md LICENSE lib/index.js lib/index.d.ts \
    local/cli.js local/index.js local/index.d.ts local/lambda-worker.js local/fauxqs-server.mjs; do
  grep -qx "$required" <<<"$contents" || { echo "tarball lacks $required"; exit 1; }
done
if grep -E '^(examples|test|src|tools|bench|cdk\.out|coverage|integ|\.ci)/|^\.projenrc\.ts$|\.ts$' <<<"$contents" | grep -v '\.d\.ts$'; then
  echo "tarball holds development files (listed above)"; exit 1
fi
echo "tarball: $(wc -l <<<"$contents") files, no development files"

step "the README's install lines, as written, in a fresh app next to the 'clone'"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$root" "$work/cdk-enriched-stream-to-queue"
mkdir "$work/my-app"
(cd "$work/my-app" && npm init -y >/dev/null)
sed 's/^/  $ /' <<<"$in_app"
(cd "$work/cdk-enriched-stream-to-queue" && bash -euo pipefail -c "$in_app") >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; echo "the README's install lines failed (output above)"; exit 1; }
sed 's/^/  $ /' <<<"$dev_install"
(cd "$work/my-app" && bash -euo pipefail -c "$dev_install") >"$work/dev-install.log" 2>&1 \
  || { cat "$work/dev-install.log"; echo "the README's dev-dependency lines failed (output above)"; exit 1; }
if grep -q EBADENGINE "$work/dev-install.log"; then
  cat "$work/dev-install.log"; echo "npm warned EBADENGINE although the README's override should silence it"; exit 1
fi
cd "$work/my-app"
echo "installed: aws-cdk-lib $(node -p "require('aws-cdk-lib/package.json').version"), $(npm ls cookie 2>/dev/null | grep -o 'cookie@[0-9.]*' | sort -u | tr '\n' ' ')"
# `cdk init app` brings jest; this bare app does not.
npm install --no-audit --no-fund --loglevel=error --save-dev "jest@$(dev jest)" >/dev/null

step "the app synthesizes from JavaScript; the bundled tools run"
cp "$root/test/consumer/app.js" .
node app.js
npx cdk-enriched-stream-to-queue replay --help | head -n 2
npx cdk-enriched-stream-to-queue help >/dev/null

step "a jest test of the app's own pipeline, run locally"
cp -r "$root/test/consumer/pipeline.test.js" "$root/test/consumer/enrich" .
npx jest --ci pipeline.test.js

oldest=$(dev aws-cdk-lib)
alpha=$(node -p "require('$root/package.json').peerDependencies['@aws-cdk/aws-pipes-alpha']")
step "the oldest supported aws-cdk-lib ($oldest) synthesizes too"
mkdir "$work/oldest" && cd "$work/oldest"
cp "$root/test/consumer/app.js" .
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tarball" "aws-cdk-lib@$oldest" 'constructs@^10' \
  "@aws-cdk/aws-pipes-alpha@$alpha" "@aws-cdk/aws-pipes-sources-alpha@$alpha" \
  "@aws-cdk/aws-pipes-targets-alpha@$alpha" "@aws-cdk/aws-kinesisfirehose-alpha@$alpha" >/dev/null
node app.js

step "done"
