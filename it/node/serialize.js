'use strict';
// Node -> Java: registers simsnap contracts through Confluent's official Node.js client and serializes records with
// Confluent's AvroSerializer; optionally produces the bytes to Kafka with kafkajs.
//
// Request: {registryUrl, bootstrap?: "host:port",
//           cases: [{name, topic, key, avscFile, avroJson}]}
//   avroJson: the record in Avro's JSON encoding (unions as {"<branch full name>": value}), built by the Java side.
// Result:  {cases: [{name, subject, registeredId, wireSchemaId, base64, producedOffset?, producedPartition?}]}
const fs = require('fs');
const { AvroSerializer, SerdeType, SubjectNameStrategyType } = require('@confluentinc/schemaregistry');
const { registryClient, main } = require('./lib/common');

async function serializeCase(client, c) {
  const info = { schemaType: 'AVRO', schema: fs.readFileSync(c.avscFile, 'utf8') };

  // The subject as Confluent's own TopicRecordNameStrategy names it: <topic>-<record full name>.
  const namer = new AvroSerializer(client, SerdeType.VALUE,
    { subjectNameStrategyType: SubjectNameStrategyType.TOPIC_RECORD });
  const subject = await namer.subjectName(c.topic, info);

  // Register the contract explicitly (the serializer's autoRegisterSchemas would register a schema inferred from
  // the message, not the contract), then serialize against the latest version of that subject. With
  // useLatestVersion the serializer asks its strategy for a subject before it has a schema, which Confluent's
  // TOPIC_RECORD strategy answers with '', so the subject is supplied as a function here.
  const registeredId = await client.register(subject, info);
  const serializer = new AvroSerializer(client, SerdeType.VALUE, {
    autoRegisterSchemas: false,
    useLatestVersion: true,
    subjectNameStrategy: () => subject,
  });
  const [type] = await serializer.toType(info);
  const msg = type.fromString(c.avroJson);
  const bytes = await serializer.serialize(c.topic, msg);
  return {
    name: c.name,
    topic: c.topic,
    key: c.key,
    subject,
    registeredId,
    wireMagic: bytes.readUInt8(0),
    wireSchemaId: bytes.readInt32BE(1),
    base64: bytes.toString('base64'),
    bytes,
  };
}

async function produce(bootstrap, results) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: 'simsnap-conformance',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    // kafkajs logs to stdout by default; keep stdout for the result line.
    logCreator: () => ({ namespace, level, log }) => {
      process.stderr.write(`[kafkajs ${namespace}] ${log.message}\n`);
    },
    retry: { retries: 5 },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const r of results) {
      const [meta] = await producer.send({
        topic: r.topic,
        acks: -1,
        messages: [{ key: r.key, value: r.bytes }],
      });
      r.producedPartition = meta.partition;
      r.producedOffset = Number(meta.baseOffset);
    }
  } finally {
    await producer.disconnect();
  }
}

main(async (request) => {
  const client = registryClient(request.registryUrl);
  const results = [];
  for (const c of request.cases) {
    results.push(await serializeCase(client, c));
  }
  if (request.bootstrap) {
    await produce(request.bootstrap, results);
  }
  return { cases: results.map(({ bytes, ...rest }) => rest) };
});
