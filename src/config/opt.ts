/**
 * Short constructors for option declarations, mirroring oslo.config's StrOpt, IntOpt, BoolOpt,
 * ListOpt, DictOpt, MultiStrOpt, PortOpt and HostAddressOpt so option tables read like Glance's.
 */

import type { DeprecatedName, OptionSpec } from './option-registry.js';
import type { OptionType } from './option-types.js';

/** Settings every option may carry. A string in `deprecated` is an old name in the same group. */
export interface CommonExtra {
  secret?: boolean;
  deprecated?: readonly (string | DeprecatedName)[];
  deprecatedForRemoval?: boolean;
  help?: string;
}

type StringExtra = CommonExtra & { choices?: readonly string[]; ignoreCase?: boolean; quotes?: boolean; maxLength?: number };
type IntExtra = CommonExtra & { min?: number; max?: number; choices?: readonly number[] };
type ListExtra = CommonExtra & { item?: OptionType; bounds?: boolean };

function make(name: string, type: OptionType, dflt: unknown, extra: CommonExtra | undefined, multi = false): OptionSpec {
  const spec: OptionSpec = { name, type, default: dflt };
  if (multi) spec.multi = true;
  if (extra?.secret) spec.secret = true;
  if (extra?.deprecatedForRemoval) spec.deprecatedForRemoval = true;
  if (extra?.help) spec.help = extra.help;
  if (extra?.deprecated) {
    spec.deprecated = extra.deprecated.map((d) => (typeof d === 'string' ? { name: d } : d));
  }
  return spec;
}

function stringType(extra?: StringExtra): OptionType {
  const t: OptionType = { kind: 'string' };
  if (extra?.choices) t.choices = extra.choices;
  if (extra?.ignoreCase) t.ignoreCase = true;
  if (extra?.quotes) t.quotes = true;
  if (extra?.maxLength !== undefined) t.maxLength = extra.maxLength;
  return t;
}

function intType(extra?: IntExtra): OptionType {
  const t: OptionType = { kind: 'int' };
  if (extra?.min !== undefined) t.min = extra.min;
  if (extra?.max !== undefined) t.max = extra.max;
  if (extra?.choices) t.choices = extra.choices;
  return t;
}

/** Option declaration builders; each returns an OptionSpec for `OptionRegistry.register`. */
export const opt = {
  /** StrOpt: the value as written (choices compared exactly unless `ignoreCase`). */
  str(name: string, dflt: string | null = null, extra?: StringExtra): OptionSpec {
    return make(name, stringType(extra), dflt, extra);
  },
  /** IntOpt with optional inclusive bounds; an empty value means null. */
  int(name: string, dflt: number | null = null, extra?: IntExtra): OptionSpec {
    return make(name, intType(extra), dflt, extra);
  },
  /** FloatOpt with optional inclusive bounds. */
  float(name: string, dflt: number | null = null, extra?: CommonExtra & { min?: number; max?: number }): OptionSpec {
    const t: OptionType = { kind: 'float' };
    if (extra?.min !== undefined) t.min = extra.min;
    if (extra?.max !== undefined) t.max = extra.max;
    return make(name, t, dflt, extra);
  },
  /** BoolOpt: true/false, yes/no, on/off, 1/0 in any case. */
  bool(name: string, dflt: boolean | null = false, extra?: CommonExtra): OptionSpec {
    return make(name, { kind: 'bool' }, dflt, extra);
  },
  /** PortOpt: an integer in 0..65535. */
  port(name: string, dflt: number | null = null, extra?: CommonExtra): OptionSpec {
    return make(name, { kind: 'port' }, dflt, extra);
  },
  /** HostAddressOpt: an IPv4/IPv6 address or a DNS host name. */
  host(name: string, dflt: string | null = null, extra?: CommonExtra): OptionSpec {
    return make(name, { kind: 'host' }, dflt, extra);
  },
  /** ListOpt: comma-separated, items trimmed; `bounds` requires `[...]` around the list. */
  list(name: string, dflt: readonly unknown[] | null = null, extra?: ListExtra): OptionSpec {
    const t: OptionType = { kind: 'list' };
    if (extra?.item) t.item = extra.item;
    if (extra?.bounds) t.bounds = true;
    return make(name, t, dflt, extra);
  },
  /** DictOpt: `k:v,k2:v2` with string values. */
  dict(name: string, dflt: Readonly<Record<string, string>> | null = null, extra?: CommonExtra): OptionSpec {
    return make(name, { kind: 'dict' }, dflt, extra);
  },
  /** MultiStrOpt: every occurrence of the key, across all files, in order. */
  multiStr(name: string, dflt: readonly string[] = [], extra?: CommonExtra): OptionSpec {
    return make(name, { kind: 'string' }, dflt, extra, true);
  },
  /** MultiOpt of another item type (e.g. ints). */
  multi(name: string, item: OptionType, dflt: readonly unknown[] = [], extra?: CommonExtra): OptionSpec {
    return make(name, item, dflt, extra, true);
  },
  /** The type of a string list item, for `list(..., { item })`. */
  stringItem(extra?: StringExtra): OptionType {
    return stringType(extra);
  },
  /** The type of an integer list item, for `list(..., { item })`. */
  intItem(extra?: IntExtra): OptionType {
    return intType(extra);
  },
};
