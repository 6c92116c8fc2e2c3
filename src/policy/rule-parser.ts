/**
 * The oslo.policy rule language: a rule text (`role:admin or (role:member and
 * project_id:%(project_id)s)`) or the legacy list-of-lists form (`[["role:a", "role:b"],
 * ["role:c"]]`: outer list "or", inner lists "and") parsed into a tree of checks.
 *
 * Parsing follows oslo.policy's observable behaviour rather than its code: tokens are split on
 * whitespace; `(`/`)` are peeled off the start/end of a token; `and`, `or`, `not` are keywords in
 * any case; `and` binds tighter than `or`, `not` applies to the next operand; an empty text
 * allows everything; and anything it cannot understand (unbalanced parentheses, a bare quoted
 * word, a missing operand, a check without `:`) becomes a check that always denies — a policy
 * engine must fail closed.
 */

/** One node of a parsed rule. */
export type PolicyCheck =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'not'; check: PolicyCheck }
  | { kind: 'and'; checks: PolicyCheck[] }
  | { kind: 'or'; checks: PolicyCheck[] }
  /** `rule:name`: the named rule of the same engine. */
  | { kind: 'rule'; name: string }
  /** `role:name`: the caller holds the role (case-insensitive); `match` may use `%(key)s`. */
  | { kind: 'role'; match: string }
  /**
   * `key:match`: `match` (with `%(key)s` taken from the target) equals the credential at the
   * dotted path `key`, or the literal `key` when it is a Python literal (`'public'`, `True`, 42).
   */
  | { kind: 'generic'; key: string; match: string }
  /** `http:`/`https:` remote checks, which glance-ts does not call: they deny. */
  | { kind: 'unsupported'; text: string };

/** A rule as a policy file gives it: the text form or the legacy list form. */
export type RuleSource = string | unknown[];

export const ALLOW: PolicyCheck = { kind: 'true' };
export const DENY: PolicyCheck = { kind: 'false' };

/** Parses a rule in either form; never throws (bad input denies). */
export function parseRule(source: RuleSource): PolicyCheck {
  return typeof source === 'string' ? parseTextRule(source) : parseListRule(source);
}

/** Parses one `kind:match` check (or `@` / `!`). */
export function parseCheck(text: string): PolicyCheck {
  if (text === '!') return DENY;
  if (text === '@') return ALLOW;
  const colon = text.indexOf(':');
  if (colon === -1) return DENY;
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (kind === 'rule') return { kind: 'rule', name: match };
  if (kind === 'role') return { kind: 'role', match };
  if (kind === 'http' || kind === 'https') return { kind: 'unsupported', text };
  return { kind: 'generic', key: kind, match };
}

/** The legacy list form: `[]` allows, inner lists are "and", the outer list is "or". */
function parseListRule(rule: unknown[]): PolicyCheck {
  if (rule.length === 0) return ALLOW;
  const alternatives: PolicyCheck[] = [];
  for (const inner of rule) {
    const parts = typeof inner === 'string' ? [inner] : inner;
    if (!Array.isArray(parts) || parts.length === 0) continue;
    const checks = parts.map((p) => (typeof p === 'string' ? parseCheck(p) : DENY));
    alternatives.push(checks.length === 1 ? checks[0]! : { kind: 'and', checks });
  }
  if (alternatives.length === 0) return DENY;
  return alternatives.length === 1 ? alternatives[0]! : { kind: 'or', checks: alternatives };
}

type Token =
  | { type: '(' | ')' | 'and' | 'or' | 'not' }
  | { type: 'check'; check: PolicyCheck }
  | { type: 'string' };

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  for (const raw of rule.split(/\s+/)) {
    if (raw === '') continue;
    let tok = raw;
    while (tok.startsWith('(')) {
      tokens.push({ type: '(' });
      tok = tok.slice(1);
    }
    if (tok === '') continue;
    let trailing = 0;
    while (tok.endsWith(')')) {
      trailing += 1;
      tok = tok.slice(0, -1);
    }
    const lowered = tok.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') {
      tokens.push({ type: lowered });
    } else if (tok !== '') {
      // The quote test looks at the token before its closing parentheses were removed, as
      // oslo.policy does; a quoted word is not a check, so a rule made of one fails to parse.
      const withParens = tok + ')'.repeat(trailing);
      const quoted = withParens.length >= 2 && (withParens[0] === '"' || withParens[0] === "'")
        && withParens[withParens.length - 1] === withParens[0];
      tokens.push(quoted ? { type: 'string' } : { type: 'check', check: parseCheck(tok) });
    }
    for (let i = 0; i < trailing; i++) tokens.push({ type: ')' });
  }
  return tokens;
}

class ParseFailure extends Error {}

/** Recursive descent over the tokens: or-expression of and-expressions of unary operands. */
class TokenParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseAll(): PolicyCheck {
    const check = this.orExpr();
    if (this.pos !== this.tokens.length) throw new ParseFailure();
    return check;
  }

  private orExpr(): PolicyCheck {
    const checks = [this.andExpr()];
    while (this.peek() === 'or') {
      this.pos += 1;
      checks.push(this.andExpr());
    }
    return checks.length === 1 ? checks[0]! : { kind: 'or', checks };
  }

  private andExpr(): PolicyCheck {
    const checks = [this.unary()];
    while (this.peek() === 'and') {
      this.pos += 1;
      checks.push(this.unary());
    }
    return checks.length === 1 ? checks[0]! : { kind: 'and', checks };
  }

  private unary(): PolicyCheck {
    const tok = this.tokens[this.pos];
    if (tok === undefined) throw new ParseFailure();
    this.pos += 1;
    if (tok.type === 'not') return { kind: 'not', check: this.unary() };
    if (tok.type === 'check') return tok.check;
    if (tok.type === '(') {
      const inner = this.orExpr();
      if (this.peek() !== ')') throw new ParseFailure();
      this.pos += 1;
      return inner;
    }
    throw new ParseFailure();
  }

  private peek(): Token['type'] | undefined {
    return this.tokens[this.pos]?.type;
  }
}

function parseTextRule(rule: string): PolicyCheck {
  if (rule === '') return ALLOW;
  try {
    return new TokenParser(tokenize(rule)).parseAll();
  } catch (err) {
    if (err instanceof ParseFailure) return DENY;
    throw err;
  }
}

/** The rule tree written back in the text form (for logs and error reports). */
export function formatCheck(check: PolicyCheck): string {
  switch (check.kind) {
    case 'true': return '@';
    case 'false': return '!';
    case 'not': return `not ${formatCheck(check.check)}`;
    case 'and': return `(${check.checks.map(formatCheck).join(' and ')})`;
    case 'or': return `(${check.checks.map(formatCheck).join(' or ')})`;
    case 'rule': return `rule:${check.name}`;
    case 'role': return `role:${check.match}`;
    case 'generic': return `${check.key}:${check.match}`;
    case 'unsupported': return check.text;
  }
}
