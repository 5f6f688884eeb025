'use strict';
// A simsnap worker in Node, written from PROTOCOL.md only (kafkajs + Confluent's official schema registry client):
// registers the contracts under TopicRecordNameStrategy subjects, and publishes each iteration as ONE Kafka
// transaction (transactional.id simsnap-<run>-<worker>): its StateDeltas (per-worker sequence) then
// IterationCommitted, keyed by the run id (kafkajs' default partitioner = Java's murmur2).
//
// Scope: a fresh worker of a run another worker started (first sequence 0, or request.firstSequence); it does not
// read the run back to resume (PROTOCOL.md §5 "Resuming").
//
// Request: {registryUrl, bootstrap, avroDir, run, worker, firstSequence?,
//           iterations: [{iteration, virtual_date, deltas: [{entity_type, entity_id, op, patch_fields?,
//                         payload?: {"<record full name>": {...fields}}}]}]}
// Result:  {run, worker, committed: [{iteration, delta_count, last_sequence}], subjects: {...}}
const fs = require('fs');
const path = require('path');
const { AvroSerializer, SerdeType } = require('@confluentinc/schemaregistry');
const { registryClient, main } = require('./lib/common');

const DELTAS_TOPIC = 'simsnap.deltas';

async function serializerFor(client, avroDir, file, topic) {
  const text = fs.readFileSync(path.join(avroDir, file), 'utf8');
  const avsc = JSON.parse(text);
  const subject = `${topic}-${avsc.namespace}.${avsc.name}`; // TopicRecordNameStrategy
  await client.register(subject, { schemaType: 'AVRO', schema: text });
  const serializer = new AvroSerializer(client, SerdeType.VALUE, {
    autoRegisterSchemas: false,
    useLatestVersion: true,
    subjectNameStrategy: () => subject,
  });
  const [type] = await serializer.toType({ schemaType: 'AVRO', schema: text });
  return {
    subject,
    // clone() fills every field left out with its Avro default (nullable fields -> null)
    serialize: (record) => serializer.serialize(topic, type.clone(record)),
  };
}

main(async (req) => {
  const client = registryClient(req.registryUrl);
  const delta = await serializerFor(client, req.avroDir, 'StateDelta.avsc', DELTAS_TOPIC);
  const committed = await serializerFor(client, req.avroDir, 'IterationCommitted.avsc', DELTAS_TOPIC);

  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: `simsnap-${req.run}-${req.worker}`,
    brokers: [req.bootstrap],
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, log }) => process.stderr.write(`[kafkajs ${namespace}] ${log.message}\n`),
    retry: { retries: 5 },
  });
  const producer = kafka.producer({
    transactionalId: `simsnap-${req.run}-${req.worker}`,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect(); // InitProducerId: fences an earlier instance of this run and worker

  let sequence = req.firstSequence || 0;
  let lastSequence = sequence - 1;
  const out = [];
  try {
    for (const it of req.iterations) {
      const messages = [];
      for (const d of it.deltas) {
        const record = {
          run_id: req.run, worker_id: req.worker, sequence, iteration: it.iteration,
          virtual_date: it.virtual_date, entity_type: d.entity_type, entity_id: d.entity_id,
          collection: d.collection || null, op: d.op, patch_fields: d.patch_fields || [],
          payload: d.payload || null,
        };
        messages.push({ key: req.run, value: await delta.serialize(record) });
        lastSequence = sequence;
        sequence += 1;
      }
      messages.push({ key: req.run, value: await committed.serialize({
        run_id: req.run, worker_id: req.worker, iteration: it.iteration, virtual_date: it.virtual_date,
        delta_count: it.deltas.length, last_sequence: lastSequence,
      }) });
      const tx = await producer.transaction();
      try {
        await tx.send({ topic: DELTAS_TOPIC, acks: -1, messages });
        await tx.commit();
      } catch (e) {
        await tx.abort().catch(() => {});
        throw e;
      }
      out.push({ iteration: it.iteration, delta_count: it.deltas.length, last_sequence: lastSequence });
    }
  } finally {
    await producer.disconnect();
  }
  return { run: req.run, worker: req.worker, committed: out, subjects: [delta.subject, committed.subject] };
});
