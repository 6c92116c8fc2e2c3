/**
 * Glance's registered policy defaults (2024.x, inventory §1.8), written as data. Each rule has
 * its secure-RBAC check and, where Glance registers one, the deprecated check that older
 * releases used: with `[oslo_policy] enforce_new_defaults = False` a rule that the policy file
 * does not override is granted when either check passes (oslo.policy's transition behaviour).
 * For most image rules the deprecated check is `rule:default`, and the deprecated `default`
 * is `"" or role:admin`, i.e. always true — which is why a legacy-mode Glance leaves ownership
 * to the hard-coded checks of its API layer (see PolicyChecker).
 */

/** One registered rule. */
export interface RuleDefault {
  name: string;
  /** The check string of the current (secure RBAC) default. */
  check: string;
  /** The deprecated check string, ORed in while `enforce_new_defaults` is false. */
  deprecated?: string;
  /** Token scopes the rule accepts (`project`, `system`, `domain`); undefined = any. */
  scopeTypes?: string[];
}

const ADMIN = 'rule:context_is_admin';
const DEFAULT = 'rule:default';
const MEMBER_OWN = 'role:member and project_id:%(project_id)s';
const READER_OWN = 'role:reader and project_id:%(project_id)s';
const IMAGE_MEMBER = 'project_id:%(member_id)s';
const VISIBLE = `project_id:%(project_id)s or ${IMAGE_MEMBER} or 'community':%(visibility)s `
  + "or 'public':%(visibility)s or 'shared':%(visibility)s";
const ADMIN_OR_MEMBER_OWN = `${ADMIN} or (${MEMBER_OWN})`;
const ADMIN_OR_READER_OWN = `${ADMIN} or (${READER_OWN})`;
const READER_OR_PUBLIC_NAMESPACE = "role:reader and (project_id:%(project_id)s or 'public':%(visibility)s)";
const METADEF_READ = `${ADMIN} or (${READER_OR_PUBLIC_NAMESPACE})`;
const METADEF_ADMIN = 'rule:metadef_admin';

const PROJECT = ['project'];

function projectRule(name: string, check: string, deprecated?: string): RuleDefault {
  return deprecated === undefined ? { name, check, scopeTypes: PROJECT } : { name, check, deprecated, scopeTypes: PROJECT };
}

/** Every rule Glance registers, in its documentation order. */
export const GLANCE_DEFAULT_RULES: readonly RuleDefault[] = [
  { name: 'default', check: '', deprecated: ADMIN },
  { name: 'context_is_admin', check: 'role:admin' },
  { name: 'service_api', check: 'role:service' },

  projectRule('add_image', `${ADMIN} or (${MEMBER_OWN} and project_id:%(owner)s)`, DEFAULT),
  projectRule('delete_image', ADMIN_OR_MEMBER_OWN, DEFAULT),
  projectRule('get_image', `${ADMIN} or (role:reader and (${VISIBLE}))`, DEFAULT),
  projectRule('get_images', ADMIN_OR_READER_OWN, DEFAULT),
  projectRule('modify_image', ADMIN_OR_MEMBER_OWN, DEFAULT),
  projectRule('publicize_image', ADMIN),
  projectRule('communitize_image', ADMIN_OR_MEMBER_OWN, DEFAULT),
  projectRule('download_image', `${ADMIN} or (role:member and (${VISIBLE}))`, DEFAULT),
  projectRule('upload_image', ADMIN_OR_MEMBER_OWN, DEFAULT),
  projectRule('delete_image_location', ADMIN, DEFAULT),
  projectRule('get_image_location', ADMIN_OR_READER_OWN, DEFAULT),
  projectRule('set_image_location', ADMIN_OR_MEMBER_OWN, DEFAULT),
  projectRule('add_image_location', `rule:service_api or (${MEMBER_OWN} and project_id:%(owner)s)`),
  projectRule('fetch_image_location', 'rule:service_api'),

  projectRule('add_member', ADMIN_OR_MEMBER_OWN, DEFAULT),
  projectRule('delete_member', ADMIN_OR_MEMBER_OWN, DEFAULT),
  // No parentheses around the reader part: `and` binds tighter than `or`, as in Glance.
  projectRule('get_member', `${ADMIN} or role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER})`, DEFAULT),
  projectRule('get_members', `${ADMIN} or role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER})`, DEFAULT),
  projectRule('modify_member', `${ADMIN} or (role:member and ${IMAGE_MEMBER})`, DEFAULT),

  projectRule('manage_image_cache', ADMIN),
  projectRule('deactivate', ADMIN_OR_MEMBER_OWN, DEFAULT),
  projectRule('reactivate', ADMIN_OR_MEMBER_OWN, DEFAULT),
  projectRule('copy_image', ADMIN),

  projectRule('get_task', DEFAULT),
  projectRule('get_tasks', DEFAULT),
  projectRule('add_task', DEFAULT),
  projectRule('modify_task', DEFAULT),
  projectRule('tasks_api_access', ADMIN),

  { name: 'metadef_default', check: '' },
  { name: 'metadef_admin', check: 'role:admin' },
  projectRule('get_metadef_namespace', METADEF_READ, 'rule:metadef_default'),
  projectRule('get_metadef_namespaces', ADMIN_OR_READER_OWN, 'rule:metadef_default'),
  projectRule('modify_metadef_namespace', METADEF_ADMIN),
  projectRule('add_metadef_namespace', METADEF_ADMIN),
  projectRule('delete_metadef_namespace', METADEF_ADMIN),
  projectRule('get_metadef_object', METADEF_READ, 'rule:metadef_default'),
  projectRule('get_metadef_objects', METADEF_READ, 'rule:metadef_default'),
  projectRule('modify_metadef_object', METADEF_ADMIN),
  projectRule('add_metadef_object', METADEF_ADMIN),
  projectRule('delete_metadef_object', METADEF_ADMIN),
  projectRule('list_metadef_resource_types', METADEF_READ, 'rule:metadef_default'),
  projectRule('get_metadef_resource_type', METADEF_READ, 'rule:metadef_default'),
  projectRule('add_metadef_resource_type_association', METADEF_ADMIN),
  projectRule('remove_metadef_resource_type_association', METADEF_ADMIN),
  projectRule('get_metadef_property', METADEF_READ, 'rule:metadef_default'),
  projectRule('get_metadef_properties', METADEF_READ, 'rule:metadef_default'),
  projectRule('modify_metadef_property', METADEF_ADMIN),
  projectRule('add_metadef_property', METADEF_ADMIN),
  projectRule('remove_metadef_property', METADEF_ADMIN),
  projectRule('get_metadef_tag', METADEF_READ, 'rule:metadef_default'),
  projectRule('get_metadef_tags', METADEF_READ, 'rule:metadef_default'),
  projectRule('modify_metadef_tag', METADEF_ADMIN),
  projectRule('add_metadef_tag', METADEF_ADMIN),
  projectRule('add_metadef_tags', METADEF_ADMIN),
  projectRule('delete_metadef_tag', METADEF_ADMIN),
  projectRule('delete_metadef_tags', METADEF_ADMIN),

  projectRule('cache_image', ADMIN, 'rule:manage_image_cache'),
  projectRule('cache_list', ADMIN, 'rule:manage_image_cache'),
  projectRule('cache_delete', ADMIN, 'rule:manage_image_cache'),
  projectRule('stores_info_detail', ADMIN),
];
