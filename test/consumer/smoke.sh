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
    local/cli.js local/index.js local/index.d.ts local/lambda-worker.js local/fauxqs-server.mjs \
    local/jest-global-setup.js local/jest-global-teardown.js local/jest-environment.js \
    enrichment/index.js enrichment/index.d.ts; do
  grep -qx "$required" <<<"$contents" || { echo "tarball lacks $required"; exit 1; }
done
if grep -E '^(examples|test|src|tools|bench|cdk\.out|coverage|integ|\.ci)/|^\.projenrc\.ts$|\.ts$' <<<"$contents" | grep -v '\.d\.ts$'; then
  echo "tarball holds development files (listed above)"; exit 1
fi
grep -q '^local/dynamodb-local-loopback/.*\.class$' <<<"$contents" || { echo "tarball lacks DynamoDB Local's loopback launcher (local/dynamodb-local-loopback/*.class)"; exit 1; }
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

step "the enrichment kit from the package: big numbers stay exact"
node -e "require('cdk-enriched-stream-to-queue/enrichment').perRecord((r) => r.newImage.n)([{eventID:'e',eventName:'INSERT',dynamodb:{Keys:{id:{S:'a'}},NewImage:{n:{N:'9007199254740993'}}}}]).then((r) => { if (r[0] !== '9007199254740993') { console.error(r); process.exit(1); } console.log('enrichment kit ok'); })"

step "three jest test files of the app's own pipeline, run locally with the README's jest configuration (services started once)"
cp -r "$root/test/consumer/pipeline.test.js" "$root/test/consumer/enrich" "$root/test/consumer/jest.config.js" .
cp pipeline.test.js pipeline2.test.js && cp pipeline.test.js pipeline3.test.js
npx jest --ci 2>&1 | tee "$work/jest.log" | grep -E '^(PASS|FAIL)|^Tests:'
grep -q '^Tests: .*3 passed, 3 total' "$work/jest.log" || { cat "$work/jest.log"; echo "the local jest tests failed"; exit 1; }

step "local on an app with an inline enrichment and an unrelated Python function; killing the launcher leaves nothing"
mkdir "$work/local-app" && cd "$work/local-app"
cp "$root/test/consumer/local-app.js" .
ln -s "$work/my-app/node_modules" node_modules
echo '{"app": "node local-app.js"}' > cdk.json
npx cdk-enriched-stream-to-queue local --print-env >local.out 2>local.err & launcher=$!
for _ in $(seq 180); do grep -q '^READY ' local.out && break; sleep 1; done
grep -q '^READY ' local.out && grep -q '^export AWS_ENDPOINT_URL_SQS=' local.out || { cat local.err; echo "local did not print READY and the export lines"; exit 1; }
grep -q 'Report' local.err || { cat local.err; echo "local did not list the unrelated function as not started"; exit 1; }
kill "$launcher"; wait "$launcher" || true
for _ in $(seq 10); do pgrep -f "$work/my-app/node_modules" >/dev/null || break; sleep 1; done
if pgrep -af "$work/my-app/node_modules"; then echo "processes of the local run outlived its launcher (listed above)"; exit 1; fi
echo "READY, the Python function listed as not started, and nothing left 10 s after the launcher was killed"
cd "$work/my-app"

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
