/**
 * The image-member and task schema documents (`/v2/schemas/member`, `members`, `task`,
 * `tasks`). Glance serves the minimal form of these: no `additionalProperties`, no links on
 * the item, and the task list drops the bulky `input`/`result`/`message` fields.
 */
import { collectionSchema } from './collection-schema.js';
import { UUID_PATTERN } from './image-schema.js';
import type { JsonSchema } from './image-schema.js';

/** `/v2/schemas/member`. */
export function memberSchema(): JsonSchema {
  return {
    name: 'member',
    properties: {
      member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
      image_id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
      created_at: { type: 'string', description: 'Date and time of image member creation' },
      updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
      status: {
        type: 'string', description: 'The status of this image member', enum: ['pending', 'accepted', 'rejected'],
      },
      schema: { readOnly: true, type: 'string' },
    },
  };
}

/** `/v2/schemas/members` (not paginated). */
export function membersSchema(): JsonSchema {
  return collectionSchema('members', memberSchema(), { paginated: false });
}

// Task properties in upstream order; the `full` ones appear only on the single-task schema.
function taskProperties(full: boolean): Record<string, JsonSchema> {
  const p: Record<string, JsonSchema> = {
    id: { description: 'An identifier for the task', pattern: UUID_PATTERN, type: 'string' },
    type: {
      description: 'The type of task represented by this content', enum: ['import', 'api_image_import'], type: 'string',
    },
    status: {
      description: 'The current status of this task', enum: ['pending', 'processing', 'success', 'failure'],
      type: 'string',
    },
  };
  if (full) {
    p.input = { description: 'The parameters required by task, JSON blob', type: ['null', 'object'] };
    p.result = { description: 'The result of current task, JSON blob', type: ['null', 'object'] };
  }
  p.owner = { description: 'An identifier for the owner of this task', type: 'string' };
  if (full) {
    p.message = {
      description: 'Human-readable informative message only included when appropriate (usually on failure)',
      type: 'string',
    };
  }
  p.image_id = { description: 'Image associated with the task', type: 'string' };
  p.request_id = { description: 'Human-readable informative request-id', type: 'string' };
  p.user_id = { description: 'User associated with the task', type: 'string' };
  p.expires_at = { description: 'Datetime when this resource would be subject to removal', type: ['null', 'string'] };
  p.created_at = { description: 'Datetime when this resource was created', type: 'string' };
  p.updated_at = { description: 'Datetime when this resource was updated', type: 'string' };
  p.self = { readOnly: true, type: 'string' };
  p.schema = { readOnly: true, type: 'string' };
  return p;
}

/** `/v2/schemas/task`. */
export function taskSchema(): JsonSchema {
  return { name: 'task', properties: taskProperties(true) };
}

/** `/v2/schemas/tasks` (Glance declares no first/next here even though the list paginates). */
export function tasksSchema(): JsonSchema {
  return collectionSchema('tasks', { name: 'task', properties: taskProperties(false) }, { paginated: false });
}
