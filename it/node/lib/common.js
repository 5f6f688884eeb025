'use strict';
// Shared helpers of the conformance drivers. Each driver reads one JSON request file (argv[2]), talks to simsnap's
// registry (and broker) through third-party clients only, and prints exactly one result line:
//   @@RESULT@@ {json}
// on stdout. Anything else on stdout/stderr is diagnostics for the Java side's assertion messages.
const fs = require('fs');
const { SchemaRegistryClient, RestError } = require('@confluentinc/schemaregistry');

const RESULT_MARKER = '@@RESULT@@';

function readRequest() {
  const file = process.argv[2];
  if (!file) {
    throw new Error('usage: node ' + process.argv[1] + ' <request.json>');
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function registryClient(url) {
  // Few, fast retries: a test wants the first answer of the server, not a retried one.
  return new SchemaRegistryClient({ baseURLs: [url], maxRetries: 1, retriesWaitMs: 100, retriesMaxWaitMs: 200 });
}

// What a caller of the client sees when a call fails: the class, HTTP status and Confluent error code.
function describeError(e) {
  return {
    name: e && e.constructor ? e.constructor.name : typeof e,
    isRestError: e instanceof RestError,
    status: e && e.status !== undefined ? e.status : null,
    errorCode: e && e.errorCode !== undefined ? e.errorCode : null,
    message: e && e.message ? String(e.message) : String(e),
  };
}

// Runs fn and records {ok: value} or {error: describeError(e)}: the Java side judges, not the driver.
async function attempt(fn) {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: describeError(e) };
  }
}

function emit(result) {
  process.stdout.write(RESULT_MARKER + ' ' + JSON.stringify(result) + '\n');
}

function main(run) {
  run(readRequest())
    .then((result) => {
      emit(result);
      process.exit(0);
    })
    .catch((e) => {
      process.stderr.write('conformance driver failed: ' + (e && e.stack ? e.stack : String(e)) + '\n');
      if (e instanceof RestError) {
        process.stderr.write('RestError status=' + e.status + ' errorCode=' + e.errorCode + '\n');
      }
      process.exit(1);
    });
}

module.exports = { registryClient, describeError, attempt, main, RESULT_MARKER };
