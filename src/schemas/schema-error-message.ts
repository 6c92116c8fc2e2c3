/**
 * Turns an Ajv error into the text Python's `jsonschema` (4.x, as Glance runs it) gives for the
 * same failure, and picks the error `jsonschema.best_match` would report. Glance puts that text
 * into its 400 bodies verbatim (refs 311, 312, 315, 322), so clients see the same message.
 */
import type { ErrorObject } from 'ajv';
import { pyFormat, pyRepr } from './python-format.js';
import type { JsonValue } from './python-format.js';

/** One validation failure in jsonschema's terms. */
export interface SchemaFailure {
  /** The failing keyword (`enum`, `type`, `maxLength`, …). */
  validator: string;
  /** The first line: jsonschema's message for the keyword. */
  message: string;
  /** Path of the failing value in the instance (property names and array indices). */
  path: (string | number)[];
  /** Path of the subschema holding the keyword, from the root schema. */
  schemaPath: string[];
  /** The subschema holding the keyword. */
  schema: JsonValue;
  /** The failing value. */
  instance: JsonValue;
}

const unescape = (seg: string): string => seg.replace(/~1/g, '/').replace(/~0/g, '~');

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.split('/').slice(1).map(unescape);
}

// Array indices are ints in jsonschema's path (printed unquoted); find them by walking the data.
function instancePath(pointer: string, root: JsonValue): (string | number)[] {
  const out: (string | number)[] = [];
  let node: JsonValue | undefined = root;
  for (const seg of pointerSegments(pointer)) {
    if (Array.isArray(node)) {
      const idx = Number(seg);
      out.push(idx);
      node = node[idx];
    } else {
      out.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, JsonValue>)[seg] : undefined;
    }
  }
  return out;
}

function typeList(schema: JsonValue): string {
  const t = (schema as Record<string, JsonValue>).type;
  const types = Array.isArray(t) ? t : [t ?? ''];
  return types.map((x) => pyRepr(x as JsonValue)).join(', ');
}

function firstLine(e: ErrorObject, data: JsonValue, extras: string[]): string {
  const p = e.params as Record<string, unknown>;
  const schemaValue = e.schema as JsonValue;
  switch (e.keyword) {
    case 'type': return `${pyRepr(data)} is not of type ${typeList(e.parentSchema as JsonValue)}`;
    case 'enum': return `${pyRepr(data)} is not one of ${pyRepr(schemaValue)}`;
    case 'maxLength': case 'maxItems': return `${pyRepr(data)} is too long`;
    case 'minLength': case 'minItems': return `${pyRepr(data)} is too short`;
    case 'pattern': return `${pyRepr(data)} does not match ${pyRepr(schemaValue)}`;
    case 'required': return `${pyRepr(p.missingProperty as string)} is a required property`;
    case 'minimum': return `${pyRepr(data)} is less than the minimum of ${pyRepr(schemaValue)}`;
    case 'maximum': return `${pyRepr(data)} is greater than the maximum of ${pyRepr(schemaValue)}`;
    case 'uniqueItems': return `${pyRepr(data)} has non-unique elements`;
    case 'additionalProperties':
      return `Additional properties are not allowed (${extras.map((x) => pyRepr(x)).join(', ')} `
        + `${extras.length === 1 ? 'was' : 'were'} unexpected)`;
    default: return e.message ?? `${pyRepr(data)} is not valid under the given schema`;
  }
}

/**
 * Converts Ajv's errors (compiled with `allErrors` and `verbose`) for `root` into jsonschema
 * failures. `required` errors refer to the object holding the property, as in jsonschema;
 * `additionalProperties: false` errors on one object are merged into one failure.
 */
export function toFailures(errors: ErrorObject[], root: JsonValue): SchemaFailure[] {
  const out: SchemaFailure[] = [];
  const merged = new Map<string, SchemaFailure>();
  for (const e of errors) {
    const data = e.data as JsonValue;
    const schemaPath = pointerSegments(e.schemaPath.replace(/^#/, '')).slice(0, -1);
    if (e.keyword === 'additionalProperties') {
      const key = e.instancePath + '|' + e.schemaPath;
      const extra = String((e.params as Record<string, unknown>).additionalProperty);
      const prior = merged.get(key);
      const extras = prior ? [...(prior as SchemaFailure & { extras: string[] }).extras, extra] : [extra];
      const f = {
        validator: e.keyword, message: firstLine(e, data, extras), path: instancePath(e.instancePath, root),
        schemaPath, schema: e.parentSchema as JsonValue, instance: data, extras,
      };
      if (prior) Object.assign(prior, f);
      else { merged.set(key, f); out.push(f); }
      continue;
    }
    out.push({
      validator: e.keyword, message: firstLine(e, data, []), path: instancePath(e.instancePath, root),
      schemaPath, schema: e.parentSchema as JsonValue, instance: data,
    });
  }
  return out;
}

/** jsonschema's `best_match`: the shallowest failure, the earliest among equals. */
export function bestMatch(failures: SchemaFailure[]): SchemaFailure | undefined {
  let best: SchemaFailure | undefined;
  for (const f of failures) if (best === undefined || f.path.length < best.path.length) best = f;
  return best;
}

const indexed = (word: string, path: (string | number)[]): string =>
  word + path.map((p) => `[${typeof p === 'number' ? String(p) : pyRepr(p)}]`).join('');

const indent4 = (text: string): string => text.split('\n').map((l) => '    ' + l).join('\n');

/** `str(ValidationError)`: message, failing keyword and subschema, and the offending value. */
export function describeFailure(f: SchemaFailure): string {
  return `${f.message}\n\nFailed validating ${pyRepr(f.validator)} in ${indexed('schema', f.schemaPath)}:\n`
    + `${indent4(pyFormat(f.schema))}\n\nOn ${indexed('instance', f.path)}:\n${indent4(pyFormat(f.instance))}`;
}
