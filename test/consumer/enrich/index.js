// The consumer's enrichment: batch in, batch out, same order; adds the length of each item's name.
exports.handler = async (records) => records.map((record) => {
  const name = record.dynamodb.NewImage.name.S;
  return { id: record.dynamodb.Keys.id.S, name, nameLength: name.length };
});
