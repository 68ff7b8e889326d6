// Enrichments of the fidelity experiments (test/integ/fidelity): each one makes a pipe depend on a
// point where the AWS documentation is silent. Plain JavaScript, deployed as-is to Node.js 22.
const image = (record) => record.dynamodb.NewImage || {};
const id = (record) => record.dynamodb.Keys.id.S;

// Returns null: does Pipes invoke the target, and with what?
exports.nullResult = async () => null;

// Returns a bare object for a batch of two records.
exports.objectResult = async () => ({ note: 'a bare object' });

// Fails the whole batch when any record is marked poison.
exports.failOnPoison = async (records) => {
  if (records.some((record) => image(record).poison)) throw new Error('a poison record is in the batch');
  return records.map((record) => ({ id: id(record) }));
};

// One item per record, with no field that the target's MessageGroupId path names.
exports.identity = async (records) => records.map((record) => ({ id: id(record) }));

// Eleven items: more than an SQS target takes in one execution.
exports.eleven = async () => Array.from({ length: 11 }, (_, i) => ({ i }));

// Always fails, so the batch is dead-lettered and its DLQ message can be read.
exports.alwaysFail = async () => {
  throw new Error('failing on purpose to read the dead-letter message');
};

// Two items per record; the second item of a record marked bad holds U+FFFF, which SQS refuses.
exports.twoPerRecord = async (records) => records.flatMap((record) => [
  { id: id(record), part: 1 },
  { id: id(record), part: 2, text: image(record).bad ? '\uFFFF' : 'fine' },
]);
