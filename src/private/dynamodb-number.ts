/**
 * How a number appears in a DynamoDB stream record's `N` value: plain decimal notation, never an
 * exponent (`1e21` becomes `'1000000000000000000000'`, `1e-7` becomes `'0.0000001'`).
 *
 * @throws Error for a number outside DynamoDB's range (magnitude 0 or from 1e-130 to below 1e126)
 */
export function formatDynamoDBNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (!Number.isFinite(value) || (magnitude !== 0 && (magnitude < 1e-130 || magnitude >= 1e126))) {
    throw new Error(`${value} is outside the range of DynamoDB numbers (1e-130 to 1e126 in magnitude)`);
  }
  const text = String(value);
  const exponentAt = text.indexOf('e');
  if (exponentAt < 0) {
    return text;
  }
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, exponentAt);
  const exponent = Number(text.slice(exponentAt + 1));
  const point = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  // Position of the decimal point within `digits` once the exponent is applied.
  const pointAt = (point < 0 ? mantissa.length : point) + exponent;
  const plain = pointAt <= 0
    ? `0.${'0'.repeat(-pointAt)}${digits}`
    : pointAt >= digits.length
      ? digits + '0'.repeat(pointAt - digits.length)
      : `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return (negative ? '-' : '') + plain;
}
