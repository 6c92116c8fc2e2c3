/**
 * A kysely plugin that sends every Date parameter as a naive UTC timestamp string
 * (`YYYY-MM-DD HH:MM:SS.ffffff`). node-postgres would otherwise send local time with an offset,
 * which PostgreSQL silently drops for `timestamp without time zone` columns: on a host not
 * running in UTC the stored instants would be wrong.
 */
import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';
import { formatDbTimestamp } from './timestamps.js';

const conv = (v: unknown): unknown => (v instanceof Date ? formatDbTimestamp(v) : v);

class DateTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const n = super.transformValue(node);
    return n.value instanceof Date ? { ...n, value: conv(n.value) } : n;
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    const n = super.transformPrimitiveValueList(node);
    return n.values.some((v) => v instanceof Date) ? { ...n, values: n.values.map(conv) } : n;
  }
}

/** The plugin; add it to a Kysely instance's `plugins`. */
export class UtcDatesPlugin implements KyselyPlugin {
  private readonly transformer = new DateTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
