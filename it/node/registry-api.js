'use strict';
// Drives simsnap's registry REST API through Confluent's official Node.js client, the way its serdes and tools do,
// and records every answer (value, or the error the client surfaced) for the Java side to judge.
//
// Request: {registryUrl, subject, schema, compatibleSchema, incompatibleSchema}   (schemas as Avro schema text)
// Result:  {steps: {<step>: {ok: value} | {error: {name, isRestError, status, errorCode, message}}}}
const { Compatibility } = require('@confluentinc/schemaregistry');
const { registryClient, attempt, main } = require('./lib/common');

function recordName(schemaText) {
  const s = JSON.parse(schemaText);
  return s.namespace ? s.namespace + '.' + s.name : s.name;
}

// A metadata answer without the (long) schema text: the schema is reduced to its record full name.
function summary(meta) {
  const { schema, ...rest } = meta;
  return { ...rest, schemaRecord: schema ? recordName(schema) : null };
}

main(async (r) => {
  const subject = r.subject;
  const v1 = { schemaType: 'AVRO', schema: r.schema };
  const v2 = { schemaType: 'AVRO', schema: r.compatibleSchema };
  const bad = { schemaType: 'AVRO', schema: r.incompatibleSchema };
  const steps = {};
  const step = async (name, fn) => {
    steps[name] = await attempt(fn);
  };
  // A fresh client per lookup that must reach the server (the client caches ids and metadata).
  const fresh = () => registryClient(r.registryUrl);
  const client = fresh();

  await step('defaultCompatibility', () => client.getDefaultCompatibility());
  await step('defaultConfig', () => client.getDefaultConfig());
  await step('register', () => client.register(subject, v1));
  await step('registerAgain', () => fresh().register(subject, v1));
  await step('getId', () => fresh().getId(subject, v1));
  await step('getIdFullResponse', async () => summary(await fresh().getIdFullResponse(subject, v1)));
  await step('latest', async () => summary(await fresh().getLatestSchemaMetadata(subject)));
  await step('version1', async () => summary(await fresh().getSchemaMetadata(subject, 1)));
  await step('allVersions', () => fresh().getAllVersions(subject));
  await step('getVersion', () => fresh().getVersion(subject, v1));
  await step('allSubjects', () => fresh().getAllSubjects());
  await step('schemaById', async () => {
    const id = steps.register.ok;
    const info = await fresh().getBySubjectAndId(subject, id);
    return { schemaRecord: recordName(info.schema), schemaType: info.schemaType === undefined ? null : info.schemaType };
  });

  // Compatibility configuration of the subject.
  await step('subjectCompatibilityUnset', () => client.getCompatibility(subject));
  await step('updateCompatibilityFull', () => client.updateCompatibility(subject, Compatibility.FULL));
  await step('subjectCompatibilityFull', () => client.getCompatibility(subject));
  await step('subjectConfigFull', () => client.getConfig(subject));
  await step('updateCompatibilityBackward', () => client.updateCompatibility(subject, Compatibility.BACKWARD));
  await step('subjectCompatibilityBackward', () => client.getCompatibility(subject));
  await step('updateCompatibilityInvalid', () => client.updateCompatibility(subject, 'SIDEWAYS'));

  // Compatibility tests, then registrations.
  await step('testCompatibleLatest', () => client.testSubjectCompatibility(subject, v2));
  await step('testCompatibleV1', () => client.testCompatibility(subject, 1, v2));
  await step('testIncompatibleLatest', () => client.testSubjectCompatibility(subject, bad));
  await step('testIncompatibleV1', () => client.testCompatibility(subject, 1, bad));
  await step('registerIncompatible', () => fresh().register(subject, bad));
  await step('versionsAfterRejection', () => fresh().getAllVersions(subject));
  await step('registerCompatible', () => fresh().register(subject, v2));
  await step('versionsAfterEvolution', () => fresh().getAllVersions(subject));
  await step('latestAfterEvolution', async () => summary(await fresh().getLatestSchemaMetadata(subject)));

  // Errors a client must be able to tell apart.
  await step('unknownSubject', () => fresh().getLatestSchemaMetadata(subject + '-no-such-subject'));
  await step('unknownVersion', () => fresh().getSchemaMetadata(subject, 99));
  await step('unknownId', () => fresh().getBySubjectAndId(subject, 987654));
  await step('invalidSchema', () => fresh().register(subject + '-invalid', { schemaType: 'AVRO', schema: '{"type": "record", "name": "Broken", "fields": [{"name": "x", "type": "no.such.Type"}]}' }));

  return { steps };
});
