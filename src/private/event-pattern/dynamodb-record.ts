/**
 * What the pattern engine knows about the shape of a DynamoDB stream record, as a pipe filters it:
 * `eventName` is `INSERT`, `MODIFY` or `REMOVE`, and the item images (`dynamodb.NewImage`,
 * `OldImage`, `Keys`) hold DynamoDB attribute values, typed objects such as `{"S": "x"}` or
 * `{"N": "42"}` whose scalar values are JSON strings (`S`, `N`, `B` and the sets) or booleans
 * (`BOOL`, `NULL`).
 *
 * - Record fields and event names: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html
 *   and https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html
 *   (`NewImage`: the item after it was modified; `OldImage`: before it was modified; an INSERT has no
 *   item before, a REMOVE none after).
 * - Attribute values, numbers sent as strings: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_AttributeValue.html
 * - Which images a stream carries: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_StreamSpecification.html
 */

/** The images of a record that hold attribute values. */
export const IMAGES = ['NewImage', 'OldImage', 'Keys'];
/** The type keys of a DynamoDB attribute value. */
export const TYPE_KEYS = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];
/** The values of `eventName`. */
export const EVENT_NAMES = ['INSERT', 'MODIFY', 'REMOVE'];

/** The stream view types that carry each image (`Keys` is always there). */
export const CARRIED_BY: Record<string, string[]> = {
  NewImage: ['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'],
  OldImage: ['OLD_IMAGE', 'NEW_AND_OLD_IMAGES'],
};

/** A key attribute of the table, as its key schema and attribute definitions give it. */
export interface KeyAttribute {
  readonly name: string;
  /** `S`, `N` or `B`. */
  readonly type: string;
}

/**
 * What a path of a DynamoDB stream record holds:
 * - `string` or `boolean`: a leaf of that JSON type (`typeKey` says which DynamoDB type);
 * - `absent`: never a leaf value (an object, a list of objects, or nothing), with the reason;
 * - undefined (from `shapeAt`): the path is outside what is known here.
 */
export type PathShape =
  | { readonly kind: 'string' | 'boolean'; readonly typeKey?: string; readonly eventName?: boolean }
  | { readonly kind: 'absent'; readonly reason: string };

/**
 * The shape of the value at `segments` (an event path) in a DynamoDB stream record.
 *
 * @param where the path as shown in messages, for examples of the right path
 * @param keySchema the table's key attributes, when known
 */
export function shapeAt(segments: readonly string[], where: string, keySchema?: readonly KeyAttribute[]): PathShape | undefined {
  if (segments.length === 1 && segments[0] === 'eventName') {
    return { kind: 'string', eventName: true };
  }
  if (segments.length < 2 || segments[0] !== 'dynamodb' || !IMAGES.includes(segments[1])) {
    return undefined;
  }
  const image = segments[1];
  if (segments.length === 2) {
    return absent(`${image} holds attributes, not values; test an attribute's typed value (e.g. ${where}.id.S)`);
  }
  const keyOf = (name: string) => keySchema?.find(k => k.name === name);
  if (image === 'Keys' && keySchema && !keyOf(segments[2])) {
    return absent(`Keys holds only the table's key attributes (${keySchema.map(k => k.name).join(', ')}), and "${segments[2]}" is not one of them`);
  }
  // After the image the path alternates attribute names and type keys; `M` is followed by a name, `L` by a type key.
  let expectName = true;
  for (let i = 2; i < segments.length; i++) {
    const step = segments[i];
    const last = i === segments.length - 1;
    if (expectName) {
      if (last) {
        const typeKey = keyOf(step)?.type ?? 'S';
        return absent(`DynamoDB attribute values are typed objects such as {"${typeKey}": ...}; put the match list under the type key (e.g. ${where}.${typeKey})`);
      }
      expectName = false;
      continue;
    }
    if (!TYPE_KEYS.includes(step)) {
      const upper = step.toUpperCase();
      // The path as shown in messages up to the attribute name before this step, for the example.
      const rest = segments.slice(i).join('.');
      const attribute = where.slice(0, where.length - rest.length - 1);
      const typo = TYPE_KEYS.includes(upper) && (last || upper === 'M' || upper === 'L');
      const fix = typo ? `write "${upper}"` : `a map's attributes are under "M" (e.g. ${attribute}.M.${rest}${last ? '.S' : ''})`;
      return absent(`"${step}" is not a DynamoDB type key (${TYPE_KEYS.join(', ')}); ${fix}`);
    }
    const key = i === 3 ? keyOf(segments[2]) : undefined;
    if (key && step !== key.type) {
      return absent(`"${segments[2]}" is a key attribute of type ${key.type} (the table's key schema), so its value is never under "${step}"`);
    }
    if (step === 'M' || step === 'L') {
      if (last) {
        return absent(`DynamoDB "${step}" values hold no leaf value for this list to test; test a typed value inside (e.g. ${where}.${step === 'M' ? 'name.S' : 'S'})`);
      }
      expectName = step === 'M';
      continue;
    }
    if (!last) {
      return absent(`a DynamoDB "${step}" value has no fields`);
    }
    return { kind: step === 'BOOL' || step === 'NULL' ? 'boolean' : 'string', typeKey: step };
  }
  return undefined;
}

function absent(reason: string): PathShape {
  return { kind: 'absent', reason };
}

/** What to do instead of a `numeric` match (or a number) on an `N` value, which never matches. */
export const NUMBER_ADVICE = 'instead, list the numbers as strings for exact values (["5"]), use "anything-but" or "prefix" on the string where they fit '
  + '([{"anything-but": ["0"]}] for not zero, [{"prefix": "-"}] for negative), match a derived attribute that your app writes '
  + '(a BOOL such as "lowStock"), or filter in the enrichment';
