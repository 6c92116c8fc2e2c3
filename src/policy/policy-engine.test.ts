import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import type { PolicyConfig } from '../config/policy-slice.js';
import { PolicyEngine, policyEngineFromConfig } from './policy-engine.js';
import { evaluateCheck, interpolate, type PolicyCredentials, type PolicyTarget } from './rule-evaluator.js';
import { formatCheck, parseRule } from './rule-parser.js';

const member = { roles: ['member', 'reader'], project_id: 'p1' };
const admin = { roles: ['Admin'], project_id: 'p9' };

function allows(rule: string | unknown[], target: PolicyTarget = {}, creds: PolicyCredentials = member, rules: Record<string, string> = {}): boolean {
  return evaluateCheck(parseRule(rule), target, creds, (n) => (n in rules ? parseRule(rules[n]!) : undefined));
}

test('parser: and binds tighter than or, not applies to one operand, parentheses group', () => {
  assert.equal(formatCheck(parseRule('role:a or role:b and role:c')), '(role:a or (role:b and role:c))');
  assert.equal(formatCheck(parseRule('role:a and role:b or role:c and role:d')), '((role:a and role:b) or (role:c and role:d))');
  assert.equal(formatCheck(parseRule('not role:a and role:b')), '(not role:a and role:b)');
  assert.equal(formatCheck(parseRule('((role:a or role:b)) and NOT (role:c)')), '((role:a or role:b) and not role:c)');
  assert.equal(formatCheck(parseRule("'public':%(visibility)s")), "'public':%(visibility)s");
});

test('parser: empty allows; garbage, bare words, unbalanced parentheses and quoted words deny', () => {
  assert.equal(allows(''), true);
  assert.equal(allows('@'), true);
  for (const bad of ['!', ' ', 'role:member role:reader', '(role:member', 'role:member)', 'and role:member', 'nocolon', "'member'", 'role:member or']) {
    assert.equal(allows(bad), false, bad);
  }
  assert.equal(allows('http://example.com/check'), false);
});

test('parser: legacy list-of-lists (outer or, inner and)', () => {
  assert.equal(allows([]), true);
  assert.equal(allows([['role:member', 'role:reader']]), true);
  assert.equal(allows([['role:member', 'role:admin']]), false);
  assert.equal(allows([['role:admin'], ['project_id:%(owner)s']], { owner: 'p1' }), true);
  assert.equal(allows([[]]), false);
});

test('role checks ignore case; rule checks follow names and deny unknown ones', () => {
  assert.equal(allows('role:admin', {}, admin), true);
  assert.equal(allows('role:MEMBER'), true);
  assert.equal(allows('rule:is_member', {}, member, { is_member: 'role:member' }), true);
  assert.equal(allows('rule:missing'), false);
  // A rule that refers to itself denies instead of recursing forever.
  assert.equal(allows('rule:loop', {}, member, { loop: 'rule:loop or rule:loop' }), false);
});

test('generic checks: target values as Python prints them, literals, credential paths', () => {
  assert.equal(allows('project_id:%(owner)s', { owner: 'p1' }), true);
  assert.equal(allows('project_id:%(owner)s', { owner: 'p2' }), false);
  assert.equal(allows('project_id:%(owner)s', {}), false, 'missing key denies');
  assert.equal(allows("'public':%(visibility)s", { visibility: 'public' }), true);
  assert.equal(allows('"shared":%(visibility)s', { visibility: 'public' }), false);
  assert.equal(allows('True:%(protected)s', { protected: true }), true);
  assert.equal(allows('False:%(protected)s', { protected: true }), false);
  assert.equal(allows('42:%(min_ram)s', { min_ram: 42 }), true);
  // Python's str(None): an owner-less target matches a project-less caller.
  assert.equal(allows('project_id:%(owner)s', { owner: null }, { roles: [], project_id: null }), true);
  assert.equal(allows('service_roles:service', {}, { service_roles: ['other', 'service'] }), true);
  assert.equal(allows('token.project.id:p1', {}, { token: { project: { id: 'p1' } } }), true);
  assert.equal(allows('token.project.id:p1', {}, { token: { project: {} } }), false);
  assert.equal(interpolate('%(a)s-%%-%(b)s', { a: 'x', b: ['y'] }), "x-%-['y']");
  assert.equal(interpolate('%(a)d', { a: 1 }), null);
});

test('engine: the legacy mode ORs the deprecated defaults; new defaults stand alone', () => {
  const target = { project_id: 'p2', owner: 'p2', visibility: 'private', member_id: null };
  const legacy = new PolicyEngine({ enforceNewDefaults: false, enforceScope: false, defaultRule: 'default' });
  const srbac = new PolicyEngine({ enforceNewDefaults: true, enforceScope: true, defaultRule: 'default' });
  // Another project's private image: the deprecated `rule:default` allows, the new rule does not.
  assert.equal(legacy.allows('modify_image', target, member), true);
  assert.equal(srbac.allows('modify_image', target, member), false);
  assert.equal(srbac.allows('modify_image', { ...target, project_id: 'p1' }, member), true);
  // publicize_image has no deprecated rule: admin only in both modes.
  assert.equal(legacy.allows('publicize_image', target, member), false);
  assert.equal(legacy.allows('publicize_image', target, admin), true);
  // Readers without the member role may look but not download.
  const reader = { roles: ['reader'], project_id: 'p1' };
  const own = { ...target, project_id: 'p1', owner: 'p1' };
  assert.equal(srbac.allows('get_image', own, reader), true);
  assert.equal(srbac.allows('download_image', own, reader), false);
  assert.equal(srbac.describe('get_member'), '(rule:context_is_admin or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s)))');
});

test('engine: overrides replace a rule (no deprecated OR), unknown actions use policy_default_rule', () => {
  const engine = new PolicyEngine({
    enforceNewDefaults: false, enforceScope: false, defaultRule: 'fallback',
    overrides: { modify_image: 'role:admin', fallback: 'role:reader' },
  });
  assert.equal(engine.allows('modify_image', { project_id: 'p1' }, member), false);
  assert.equal(engine.allows('some_new_action', {}, member), true);
  assert.equal(engine.allows('some_new_action', {}, { roles: [] }), false);
  const strict = new PolicyEngine({ enforceNewDefaults: true, enforceScope: false, defaultRule: 'absent' });
  assert.equal(strict.allows('some_new_action', {}, admin), false);
});

test('engine: scope — a system-scoped token is refused project rules only when enforce_scope is on', () => {
  const system = { roles: ['admin'], project_id: null, system_scope: 'all' };
  const scoped = new PolicyEngine({ enforceNewDefaults: true, enforceScope: true, defaultRule: 'default' });
  const loose = new PolicyEngine({ enforceNewDefaults: true, enforceScope: false, defaultRule: 'default' });
  assert.equal(scoped.decide('get_images', { project_id: null }, system), 'scope');
  assert.equal(loose.decide('get_images', { project_id: null }, system), 'allow');
  // Rules without scope types (context_is_admin) are not scope-checked.
  assert.equal(scoped.decide('context_is_admin', {}, system), 'allow');
});

test('policy files: policy_file then policy_dirs in name order, searched like find_file; bad files stop start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  try {
    writeFileSync(join(dir, 'policy.yaml'), '# comment\n"get_images": "role:admin"\n"modify_image": "!"\n');
    mkdirSync(join(dir, 'policy.d'));
    writeFileSync(join(dir, 'policy.d', '10-a.json'), '{"modify_image": "role:member"}');
    writeFileSync(join(dir, 'policy.d', '20-b.yaml'), 'add_member: [["role:admin"]]\n');
    writeFileSync(join(dir, 'policy.d', '.hidden'), 'get_image: "!"\n');
    const cfg: PolicyConfig = {
      enforceNewDefaults: true, enforceScope: false, defaultRule: 'default',
      policyFile: 'policy.yaml', policyDirs: ['policy.d'], policyFileSet: false, searchDirs: ['/nonexistent', dir],
    };
    const { engine, files } = policyEngineFromConfig(cfg);
    assert.deepEqual(files, [join(dir, 'policy.yaml'), join(dir, 'policy.d', '10-a.json'), join(dir, 'policy.d', '20-b.yaml')]);
    assert.equal(engine.allows('get_images', { project_id: 'p1' }, member), false);
    assert.equal(engine.allows('modify_image', { project_id: 'p2' }, member), true, 'the directory overrides the file');
    assert.equal(engine.allows('add_member', { project_id: 'p1' }, member), false);
    assert.equal(engine.allows('get_image', { project_id: 'p1', visibility: 'private', member_id: null }, member), true);

    const warnings: string[] = [];
    policyEngineFromConfig({ ...cfg, policyFile: 'absent.yaml', policyFileSet: true }, (m) => warnings.push(m));
    assert.match(warnings[0] ?? '', /absent\.yaml was not found/);

    writeFileSync(join(dir, 'policy.yaml'), 'modify_image: {role: admin}\n');
    assert.throws(() => policyEngineFromConfig(cfg), ConfigError);
    writeFileSync(join(dir, 'policy.yaml'), '"a": "b"\n  bad: [\n');
    assert.throws(() => policyEngineFromConfig(cfg), ConfigError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
