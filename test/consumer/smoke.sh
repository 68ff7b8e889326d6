#!/usr/bin/env bash
# Consumer smoke test: a consumer's first hour, from the package alone. Packs the library, makes a
# fresh app with the current `cdk init app --language typescript` (the CDK CLI this repository locks),
# then follows the README as written: its install lines ("Use a local build in another app", the
# block fenced `sh consumer-install`), its dev dependencies for local tests (`sh consumer-dev-install`)
# and its jest configuration (checked against the jest.config.js cdk init wrote). In that app, the
# consumer's own code from test/consumer/my-app: the README's minimal example as the stack's pipeline
# (taken from the README), an enrichment written with the package's kit and bundled by esbuild, an
# unrelated Python function, template and filter tests, and three local test files (time per file
# printed). Then `local` runs the app from cdk.json's "app" command, a booking made from the shell
# with `--print-env`'s export lines arrives as a reminder, and killing the npx launcher leaves
# nothing running. The oldest supported aws-cdk-lib gets a synth too (the README's `^2.175.1`
# installs the newest). Also checks what the tarball holds.
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

step "a fresh app: cdk init app --language typescript (CDK CLI $("$root/node_modules/.bin/cdk" --version | cut -d' ' -f1))"
work=$(mktemp -d)
launcher=
trap '[ -z "$launcher" ] || kill "$launcher" 2>/dev/null; rm -rf "$work"' EXIT
ln -s "$root" "$work/cdk-enriched-stream-to-queue"
mkdir "$work/my-app"
(cd "$work/my-app" && CDK_DISABLE_VERSION_CHECK=true "$root/node_modules/.bin/cdk" init app --language typescript) >"$work/init.log" 2>&1 \
  || { cat "$work/init.log"; echo "cdk init app failed (output above)"; exit 1; }
echo "cdk init wrote: $(cd "$work/my-app" && ls | tr '\n' ' ')"

step "the README's install lines, as written, in that app next to the 'clone'"
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
echo "installed: aws-cdk-lib $(node -p "require('aws-cdk-lib/package.json').version"), typescript $(node -p "require('typescript/package.json').version"), jest $(node -p "require('jest/package.json').version"), $(npm ls cookie 2>/dev/null | grep -o 'cookie@[0-9.]*' | sort -u | tr '\n' ' ')"

step "the README's jest configuration in the jest.config.js cdk init wrote"
# The README shows test/consumer/my-app/jest.config.js: cdk init's file with its testEnvironment line
# replaced by the package's three lines. If cdk init writes something else, the README is out of date.
ours="$root/test/consumer/my-app/jest.config.js"
grep -qx "  testEnvironment: 'node'," jest.config.js || { cat jest.config.js; echo "cdk init's jest.config.js has no \"testEnvironment: 'node',\" line for the README's lines to replace"; exit 1; }
lines=$(grep -E "^  (testEnvironment|globalSetup|globalTeardown): 'cdk-enriched-stream-to-queue/" "$ours")
awk -v lines="$lines" '$0 == "  testEnvironment: '"'"'node'"'"'," { print lines; next } { print }' jest.config.js >jest.config.js.new
diff -u jest.config.js.new "$ours" || { echo "cdk init's jest.config.js with the README's lines differs from test/consumer/my-app/jest.config.js (diff above): update that file and the README"; exit 1; }
mv jest.config.js.new jest.config.js

step "the consumer's code: the README's minimal example as lib/reminders.ts, a stack, an enrichment and tests"
minimal=$(awk '/^From \[`examples\/readme\/minimal\.ts`\]/ { found = 1; next } found && /^```ts/ { on = 1; next } on && /^```/ { exit } on { print }' "$root/README.md")
[ -n "$minimal" ] || { echo "README.md has no minimal example (From [\`examples/readme/minimal.ts\`] ... \`\`\`ts)"; exit 1; }
rm -f test/*.test.ts lib/*.ts
(cd "$root/test/consumer/my-app" && find lib lambda test -type f -name '*.ts') | while read -r file; do
  mkdir -p "$(dirname "$file")" && cp "$root/test/consumer/my-app/$file" "$file"
done
printf '%s\n' "$minimal" >lib/reminders.ts
echo "app: $(find bin lib lambda test -type f | sort | tr '\n' ' ')"
npx tsc

step "the app's tests: template, filter, and three local test files (services started once)"
npx jest --ci --json --outputFile="$work/jest.json" >"$work/jest.log" 2>&1 || true
node -e '
  const run = require(process.argv[1]);
  for (const file of run.testResults) {
    console.log(`${file.status === "passed" ? "PASS" : "FAIL"} ${require("path").relative(process.cwd(), file.name)}: ${((file.endTime - file.startTime) / 1000).toFixed(1)} s`);
  }
  console.log(`${run.numPassedTests} of ${run.numTotalTests} tests passed in ${run.numTotalTestSuites} files, ${((Date.now() - run.startTime) / 1000).toFixed(1)} s in all`);
  process.exit(run.success && run.numTotalTestSuites === Number(process.argv[2]) ? 0 : 1);
' "$work/jest.json" "$(ls test/*.test.ts | wc -l)" || { cat "$work/jest.log"; echo "the app's tests failed (output above)"; exit 1; }

step "plain JavaScript synthesizes too; the bundled tools run; the enrichment kit keeps big numbers exact"
cp "$root/test/consumer/app.js" .
node app.js
npx cdk-enriched-stream-to-queue replay --help | head -n 2
npx cdk-enriched-stream-to-queue help >/dev/null
node -e "require('cdk-enriched-stream-to-queue/enrichment').perRecord((r) => r.newImage.n)([{eventID:'e',eventName:'INSERT',dynamodb:{Keys:{id:{S:'a'}},NewImage:{n:{N:'9007199254740993'}}}}]).then((r) => { if (r[0] !== '9007199254740993') { console.error(r); process.exit(1); } console.log('enrichment kit ok'); })"

step "local runs the app from cdk.json's \"app\"; a booking from the shell arrives; killing the launcher leaves nothing"
npx cdk-enriched-stream-to-queue local --print-env >"$work/local.out" 2>"$work/local.err" & launcher=$!
for _ in $(seq 180); do grep -q '^READY ' "$work/local.out" && break; kill -0 "$launcher" 2>/dev/null || break; sleep 1; done
grep -q '^READY ' "$work/local.out" && grep -q '^export AWS_ENDPOINT_URL_SQS=' "$work/local.out" || { cat "$work/local.err"; echo "local did not print READY and the export lines"; exit 1; }
grep -q 'not started.*Report' "$work/local.err" || { cat "$work/local.err"; echo "local did not list the unrelated Python function as not started"; exit 1; }
cp "$root/test/consumer/book.js" .
(eval "$(grep -E '^(export|unset) ' "$work/local.out")" && AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true node book.js "$(sed -n 's/^READY //p' "$work/local.out")") \
  || { cat "$work/local.err"; echo "a booking made with local's export lines did not arrive as a reminder"; exit 1; }
running=$(pgrep -f "$work/my-app/node_modules" | wc -l)
kill "$launcher"; wait "$launcher" || true; launcher=
for _ in $(seq 10); do pgrep -f "$work/my-app/node_modules" >/dev/null || break; sleep 1; done
if pgrep -af "$work/my-app/node_modules"; then echo "processes of the local run outlived its launcher (listed above)"; exit 1; fi
echo "READY, the Python function listed as not started, a reminder from the shell, and none of the run's $running processes left 10 s after the launcher was killed"

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
