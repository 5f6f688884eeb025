'use strict';
// Java -> Node: decodes Confluent wire-format bytes written by simsnap's Java AvroSerializer with Confluent's
// official AvroDeserializer and answers the decoded records in Avro's JSON encoding, for the Java side to compare.
//
// Request: {registryUrl, cases: [{name, topic, base64}]}
// Result:  {cases: [{name, schemaId, subject, avroJson}]}
const { AvroDeserializer, SerdeType, SubjectNameStrategyType, SchemaId } = require('@confluentinc/schemaregistry');
const { registryClient, main } = require('./lib/common');

main(async (request) => {
  const client = registryClient(request.registryUrl);
  const deserializer = new AvroDeserializer(client, SerdeType.VALUE,
    { subjectNameStrategyType: SubjectNameStrategyType.TOPIC_RECORD });
  const results = [];
  for (const c of request.cases) {
    const payload = Buffer.from(c.base64, 'base64');
    const msg = await deserializer.deserialize(c.topic, payload);
    // The writer schema the deserializer resolved for these bytes, and the avsc type it decoded with.
    const schemaId = new SchemaId('AVRO');
    const [info] = await deserializer.getWriterSchema(c.topic, payload, schemaId);
    const [type] = await deserializer.toType(info);
    if (!type.isValid(msg)) {
      throw new Error(`decoded ${c.name} is not valid for its writer schema`);
    }
    results.push({
      name: c.name,
      schemaId: schemaId.id,
      subject: await deserializer.subjectName(c.topic, info),
      avroJson: type.toString(msg),
    });
  }
  return { cases: results };
});
