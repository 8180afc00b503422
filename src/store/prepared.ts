/**
 * Statements built once per store (or per Kysely instance) and run many times with other values. Building and
 * compiling a query with Kysely cost more than running it on SQLite: about a third of a ballot's time on the
 * server's thread (docs/performance.md). A prepared statement is built once with a marker in place of each value, compiled, and
 * each use only puts the values in the markers' places.
 *
 * The builder must not look at the values (they are markers while it runs): what varies with them (a branch, an
 * `in` list of varying length, `is null`) belongs in separate statements. A marker that the compiled query does
 * not carry as a parameter (inlined, or part of a longer value) is refused when the statement is built.
 */
import { type Compilable, type CompiledQuery, type RawBuilder, createQueryId, sql } from 'kysely';
import { type Store, compile } from './store';

const MARK = '\u0000laurel-value:';
const END = '\u0000';
const marker = (name: string) => `${MARK}${name}${END}`;
/** The slot of a test clock's reading (`store.now()` under a fixed clock is a parameter that changes). */
const NOW = marker('\u0001now');

type Slot = { value: string } | { constant: unknown };

interface Template {
  sql: string;
  slots: Slot[];
  query: CompiledQuery['query'];
}

/** Both the compiled query (for `db.executeQuery`) and a Compilable (for a batch). */
export type PreparedQuery = CompiledQuery & Compilable;
export type Prepared<C extends object, V extends object> = (context: C, values: V) => PreparedQuery;

/**
 * `build(context, values)` made once per context: a Store (whose `now()` under a test clock becomes a value read
 * at each use) or a Kysely instance.
 */
export function prepared<C extends object, V extends object>(
  build: (context: C, values: V) => Compilable,
): Prepared<C, V> {
  const templates = new WeakMap<C, Template>();
  return (context, values) => {
    let template = templates.get(context);
    if (!template) templates.set(context, (template = buildTemplate(context, build)));
    const parameters = template.slots.map((slot) => {
      if ('constant' in slot) return slot.constant;
      if (slot.value === NOW) return (context as Store).clock!();
      const value = (values as Record<string, unknown>)[slot.value];
      if (value === undefined) throw new Error(`prepared statement: no value for "${slot.value}"`);
      return value;
    });
    const query: PreparedQuery = {
      sql: template.sql,
      parameters,
      query: template.query,
      queryId: createQueryId(),
      compile: () => query,
    };
    return query;
  };
}

function buildTemplate<C extends object, V extends object>(
  context: C,
  build: (context: C, values: V) => Compilable,
): Template {
  const markers = new Proxy({} as V, {
    get: (_, name) => (typeof name === 'string' ? marker(name) : undefined),
  });
  const clocked = isStore(context) && context.clock ? withNowMarker(context) : context;
  const compiled = compile(build(clocked as C, markers));
  if (compiled.sql.includes(MARK)) throw new Error('prepared statement: a value was written into the SQL text');
  const slots = compiled.parameters.map((p): Slot => {
    if (typeof p !== 'string' || !p.includes(MARK)) return { constant: p };
    const name = p.slice(MARK.length, -END.length);
    if (p !== marker(name) || name.includes(END))
      throw new Error('prepared statement: a value is part of a longer parameter');
    return { value: p === NOW ? NOW : name };
  });
  return { sql: compiled.sql, slots, query: compiled.query };
}

const isStore = (context: object): context is Store => 'batch' in context && 'now' in context;

function withNowMarker(store: Store): Store {
  return Object.assign(Object.create(store) as Store, { now: (): RawBuilder<number> => sql<number>`${NOW}` });
}
