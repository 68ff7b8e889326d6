// @ts-check
/**
 * One execution environment of the local Lambda service (tools/emulator/lambda/invoke-api.ts): a Node.js
 * process that loads one function's bundled handler once (the Init phase) and then runs one
 * invocation at a time, as the Lambda Node.js runtime does. It is plain JavaScript so that it starts
 * without a TypeScript loader: its environment holds only the function's own variables and those the
 * Lambda runtime sets, which the parent prepares.
 *
 * argv: <code file> <handler export>. IPC messages:
 *   parent → worker: {type: 'invoke', requestId, payload (JSON text), deadline (epoch ms), invokedFunctionArn, clientContext?}
 *   worker → parent: {type: 'ready'} | {type: 'init-error', error} | {type: 'started', requestId}
 *                    | {type: 'result', requestId, body} | {type: 'result', requestId, error, fatal?}
 * where error is the runtime's error document {errorType, errorMessage, trace}, and `fatal` says the
 * worker is exiting (an error escaped the handler), so the parent must not reuse it. `started` is
 * written to the channel before the handler runs: an environment that died before the parent read it
 * never ran the handler, so the parent may hand the event to another one. The worker exits when the
 * IPC channel closes (its parent ended).
 */
'use strict';

const util = require('node:util');
const { pathToFileURL } = require('node:url');

const [codeFile, handlerExport] = process.argv.slice(2);

/** @type {string | undefined} */
let currentRequestId;

/**
 * Console output in the Lambda Node.js runtime's text format: `<time>\t<request id>\t<LEVEL>\t<message>`.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 * (A multi-line message stays on several lines: the parent prefixes each with the function's name.)
 */
function patchConsole() {
  /** @param {string} level */
  const writer = (level) => (/** @type {unknown[]} */ ...args) => {
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${util.format(...args)}\n`);
  };
  console.log = writer('INFO');
  console.info = writer('INFO');
  console.warn = writer('WARN');
  console.error = writer('ERROR');
  console.debug = writer('DEBUG');
  console.trace = writer('TRACE');
}

/**
 * The error document the Lambda Node.js runtime returns for a failed invocation.
 * @param {unknown} error
 * @param {string} [errorType]
 */
function errorDocument(error, errorType) {
  if (error instanceof Error) {
    return {
      errorType: errorType ?? error.name ?? 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: errorType ?? typeof error, errorMessage: String(error), trace: [] };
}

/** Bytes written to stdout and stderr so far (sent with each result: see the parent). */
const written = { stdout: 0, stderr: 0 };

/** Counts what is written to stdout and stderr, by console or directly. */
function countOutput() {
  for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
    const stream = process[name];
    const write = stream.write.bind(stream);
    stream.write = /** @type {typeof stream.write} */ ((/** @type {any} */ chunk, /** @type {any[]} */ ...rest) => {
      written[name] += typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof rest[0] === 'string' ? /** @type {BufferEncoding} */ (rest[0]) : 'utf8') : chunk.length;
      return write(chunk, ...rest);
    });
  }
}

/** @param {{type: string, [key: string]: unknown}} message */
function send(message) {
  if (process.send) {
    process.send(message.type === 'result' ? { ...message, written: { ...written } } : message);
  }
}

/** Loads the handler: the Init phase. */
async function load() {
  /** @type {any} */
  let loaded;
  try {
    loaded = codeFile.endsWith('.mjs') ? await import(pathToFileURL(codeFile).href) : require(codeFile);
  } catch (error) {
    const code = /** @type {{code?: string}} */ (error ?? {}).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw Object.assign(new Error(`${/** @type {Error} */ (error).name}: ${/** @type {Error} */ (error).message}`), { lambdaErrorType: 'Runtime.ImportModuleError' });
    }
    if (error instanceof SyntaxError) {
      throw Object.assign(new Error(`${error.name}: ${error.message}`), { lambdaErrorType: 'Runtime.UserCodeSyntaxError' });
    }
    throw error;
  }
  const handler = handlerExport.split('.').reduce((object, key) => (object == null ? undefined : object[key]), loaded);
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${process.env._HANDLER} is undefined or not exported`), { lambdaErrorType: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

/**
 * Runs the handler, async or callback style (a handler declared with three parameters gets a callback).
 * @param {Function} handler
 * @param {unknown} event
 * @param {object} context
 */
function run(handler, event, context) {
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const returned = handler(event, context, (/** @type {unknown} */ error, /** @type {unknown} */ result) => (error ? reject(error) : resolve(result)));
      if (returned && typeof returned.then === 'function') {
        returned.then(resolve, reject);
      }
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

/**
 * The AWS SDK warns when the local Node.js is older than it will support; that says nothing about the
 * function (the service reports a runtime/Node.js mismatch once), so it is not repeated by every worker.
 */
function quietNodeVersionWarning() {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = /** @type {typeof process.emitWarning} */ ((/** @type {any} */ warning, /** @type {any[]} */ ...rest) => {
    if (typeof warning === 'string' && warning.startsWith('NodeVersionSupportWarning:')) {
      return;
    }
    emitWarning(warning, ...rest);
  });
}

async function main() {
  // The IPC channel closes when the parent ends, however it ends (even by SIGKILL): so does this
  // execution environment, rather than live on unseen.
  process.on('disconnect', () => process.exit());
  countOutput();
  patchConsole();
  quietNodeVersionWarning();
  /** @type {Function} */
  let handler;
  try {
    handler = await load();
  } catch (error) {
    send({ type: 'init-error', error: errorDocument(error, /** @type {{lambdaErrorType?: string}} */ (error ?? {}).lambdaErrorType) });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }

  // An error that escapes the handler's promise ends the execution environment, as in Lambda.
  process.on('uncaughtException', (error) => {
    if (currentRequestId !== undefined) {
      send({ type: 'result', requestId: currentRequestId, error: errorDocument(error), fatal: true });
    }
    process.exit(129);
  });
  process.on('unhandledRejection', (reason) => {
    if (currentRequestId !== undefined) {
      const document = errorDocument(reason, 'Runtime.UnhandledPromiseRejection');
      const detail = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
      send({ type: 'result', requestId: currentRequestId, error: { ...document, errorMessage: detail }, fatal: true });
    }
    process.exit(128);
  });

  process.on('message', (/** @type {any} */ message) => {
    if (message?.type !== 'invoke') {
      return;
    }
    // The handler runs once the acknowledgement is written to the channel.
    process.send?.({ type: 'started', requestId: message.requestId }, undefined, {}, (/** @type {Error | null} */ error) => {
      if (!error) {
        void invoke(message);
      }
    });
  });

  /** Runs one invocation and sends its result. @param {any} message */
  async function invoke(message) {
    const { requestId, payload, deadline, invokedFunctionArn, clientContext } = message;
    currentRequestId = requestId;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext,
      identity: undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const result = await run(handler, JSON.parse(payload), context);
      let body;
      try {
        body = JSON.stringify(result === undefined ? null : result);
      } catch (error) {
        send({ type: 'result', requestId, error: errorDocument(error) });
        return;
      }
      send({ type: 'result', requestId, body });
    } catch (error) {
      send({ type: 'result', requestId, error: errorDocument(error) });
    } finally {
      currentRequestId = undefined;
    }
  }
  send({ type: 'ready' });
}

void main();
