/**
 * The query check of a processing job (Art. 16-18: operators process on the platform only the data
 * they are entitled to). Pure: no AWS, no engine. The SQL is parsed by a maintained parser
 * (node-sql-parser, its PostgreSQL grammar: double-quoted identifiers and single-quoted strings, the
 * subset DuckDB and Athena (Trino) share) and checked BEFORE anything runs:
 * - exactly one statement, a SELECT (no INTO, no recursion);
 * - only tables the job may read: each is a catalog entry id of one of the scenario's entitlements, by
 *   its bare name (a schema-qualified name could reach the physical tables), or a CTE of the query;
 * - only columns of the scenario's requested fields (Art. 16), never a personal-information column
 *   unless the entitlement allows it;
 * - only functions of a small allowlist (no file, network or settings functions of either engine).
 *
 * The same tables are then shadowed by `scopedSql`: a CTE per table exposing only the allowed columns
 * (the per-entitlement views), so a query the check let through by mistake still cannot bind a column
 * it may not read. Both engines run exactly that text.
 */
import sqlParser from 'node-sql-parser/build/postgresql.js';
import { ForbiddenError, ValidationError } from '../shared/errors.js';

const parser = new sqlParser.Parser();
const DIALECT = { database: 'postgresql' } as const;

/** What one table of a job exposes: its data items, and which the job may read. */
export interface TableScope {
  /** The catalog entry id: the table name in the operator's SQL. */
  readonly name: string;
  /** Every data item of the entry, in dataset column order. */
  readonly items: readonly { readonly name: string; readonly personalInformation: boolean }[];
  /** Items the scenario requested (Art. 16). */
  readonly fields: readonly string[];
  /** Whether the entitlement allows personal-information items (none does unless it says so). */
  readonly personalInformationAllowed: boolean;
}

export interface CheckedQuery {
  /** Entry ids the query reads. */
  readonly tables: readonly string[];
  /** Columns read, per table (unqualified references count for every table that has them). */
  readonly columns: readonly string[];
  /** Whether the top-level SELECT aggregates (an aggregate function, or GROUP BY). */
  readonly aggregate: boolean;
  /** Output names of the top-level COUNT aggregates (the cells small-cell suppression checks). */
  readonly countColumns: readonly string[];
}

export const MAX_SQL_CHARS = 20_000;

/** Functions either engine evaluates without touching files, the network or settings. */
const ALLOWED_FUNCTIONS = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'stddev',
  'stddev_samp',
  'variance',
  'approx_distinct',
  'round',
  'floor',
  'ceil',
  'abs',
  'lower',
  'upper',
  'length',
  'substr',
  'substring',
  'trim',
  'concat',
  'coalesce',
  'nullif',
  'greatest',
  'least',
  'date_trunc',
  'year',
  'month',
  'day',
  'hour',
  'extract',
  'cast',
  'try_cast',
]);

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A column reference's name: `"名称"` parses as { expr: { value } }, `name` as a string. */
const columnName = (n: Node): string | undefined => {
  const c = n.column;
  if (typeof c === 'string') return c;
  if (isNode(c) && isNode(c.expr) && typeof c.expr.value === 'string') return c.expr.value;
  return undefined;
};

const functionName = (n: Node): string | undefined => {
  if (n.type === 'aggr_func' && typeof n.name === 'string') return n.name.toLowerCase();
  if (n.type === 'function' && isNode(n.name) && Array.isArray(n.name.name)) {
    const parts = (n.name.name as Node[]).map((p) => String(p.value ?? ''));
    return parts.join('.').toLowerCase();
  }
  if (n.type === 'cast') return 'cast';
  if (n.type === 'extract') return 'extract';
  return undefined;
};

interface Walk {
  tables: { db: unknown; table: string }[];
  columns: string[];
  functions: string[];
  aliases: Set<string>;
  ctes: Set<string>;
  tableFunctions: number;
}

const walk = (v: unknown, w: Walk): void => {
  if (Array.isArray(v)) {
    for (const x of v) walk(x, w);
    return;
  }
  if (!isNode(v)) return;
  if (v.type === 'column_ref') {
    const name = columnName(v);
    if (name && name !== '*') w.columns.push(name);
  }
  const fn = functionName(v);
  if (fn) w.functions.push(fn);
  // FROM items: a table (`table` set), a subquery (`expr.ast`) or a table function (`expr.type: function`).
  if (typeof v.table === 'string' && ('db' in v || 'as' in v) && v.type === undefined) {
    w.tables.push({ db: v.db, table: v.table });
  }
  if (Array.isArray(v.from)) {
    for (const f of v.from as unknown[]) {
      if (isNode(f) && isNode(f.expr) && f.expr.type === 'function') w.tableFunctions++;
    }
  }
  if (Array.isArray(v.columns) && v.type === 'select') {
    for (const c of v.columns as unknown[]) if (isNode(c) && typeof c.as === 'string') w.aliases.add(c.as);
  }
  if (Array.isArray(v.with)) {
    for (const c of v.with as unknown[]) {
      if (isNode(c) && isNode(c.name) && typeof c.name.value === 'string') w.ctes.add(c.name.value);
    }
  }
  if (isNode(v.as) && typeof v.as.value === 'string') w.aliases.add(v.as.value);
  for (const [k, x] of Object.entries(v)) if (k !== 'loc') walk(x, w);
};

/** Parses one statement; anything but one SELECT is a 400. */
export const parseSelect = (sql: string): Node => {
  if (sql.length > MAX_SQL_CHARS)
    throw new ValidationError('The query is too long', [
      { path: 'body.sql', message: `At most ${MAX_SQL_CHARS} characters` },
    ]);
  let ast: unknown;
  try {
    ast = parser.astify(sql, DIALECT);
  } catch (e) {
    throw new ValidationError('The query is not valid SQL', [
      { path: 'body.sql', message: (e as Error).message.slice(0, 300) },
    ]);
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1 || !isNode(statements[0]))
    throw new ValidationError('Send exactly one statement', [
      { path: 'body.sql', message: 'One SELECT statement, without a second one after a semicolon' },
    ]);
  const stmt = statements[0];
  if (stmt.type !== 'select')
    throw new ValidationError('Only SELECT statements run on the platform', [
      { path: 'body.sql', message: `A ${String(stmt.type).toUpperCase()} statement is not allowed` },
    ]);
  if (stmt.into && isNode(stmt.into) && stmt.into.expr)
    throw new ValidationError('SELECT … INTO is not allowed', [{ path: 'body.sql', message: 'No INTO' }]);
  if (/\bwith\s+recursive\b/i.test(sql))
    throw new ValidationError('Recursive queries are not allowed', [
      { path: 'body.sql', message: 'No WITH RECURSIVE' },
    ]);
  return stmt;
};

/**
 * Checks a query against the tables the job may read (Art. 16). 400: not one valid SELECT, a column
 * that exists nowhere, a function outside the allowlist. 403: a table outside the entitlements, a
 * column outside the scenario's fields, a personal-information column.
 */
export const checkQuery = (sql: string, scopes: readonly TableScope[]): CheckedQuery => {
  const stmt = parseSelect(sql);
  const w: Walk = {
    tables: [],
    columns: [],
    functions: [],
    aliases: new Set(),
    ctes: new Set(),
    tableFunctions: 0,
  };
  walk(stmt, w);
  if (w.tableFunctions > 0)
    throw new ForbiddenError('Table functions are not allowed: read the entitled tables by their names');

  const byName = new Map(scopes.map((s) => [s.name, s]));
  const read = new Set<string>();
  for (const t of w.tables) {
    if (w.ctes.has(t.table) && !t.db) continue;
    const scope = byName.get(t.table);
    if (t.db || !scope)
      throw new ForbiddenError(
        `Table ${t.db ? `${String(t.db)}.` : ''}${t.table} is not one of the entries this job is entitled to read`,
      );
    read.add(t.table);
  }
  if (read.size === 0)
    throw new ValidationError('The query reads no entitled table', [
      { path: 'body.sql', message: 'FROM an entitled entry' },
    ]);

  for (const f of w.functions) {
    if (!ALLOWED_FUNCTIONS.has(f))
      throw new ValidationError(`Function ${f} is not allowed on the platform`, [
        { path: 'body.sql', message: `Allowed: ${[...ALLOWED_FUNCTIONS].join(', ')}` },
      ]);
  }

  const tables = [...read].map((t) => byName.get(t) as TableScope);
  const columns = new Set<string>();
  for (const c of new Set(w.columns)) {
    const owners = tables.filter((t) => t.items.some((i) => i.name === c));
    // A forbidden column is refused even if an alias of the same name exists: an alias cannot launder it.
    for (const t of owners) {
      const item = t.items.find((i) => i.name === c);
      if (item?.personalInformation && !t.personalInformationAllowed)
        throw new ForbiddenError(
          `Column ${c} of ${t.name} is personal information: operators never read it raw`,
        );
      if (!t.fields.includes(c))
        throw new ForbiddenError(
          `Column ${c} of ${t.name} is outside the scenario's requested fields (Art. 16)`,
        );
    }
    if (owners.length) columns.add(c);
    else if (!w.aliases.has(c))
      throw new ValidationError(`Column ${c} does not exist in the tables read`, [
        { path: 'body.sql', message: c },
      ]);
  }

  const top = (stmt.columns as unknown[]).filter(isNode);
  const topAggregates = top.filter((c) => containsAggregate(c.expr));
  const aggregate = topAggregates.length > 0 || isNode(stmt.groupby);
  const countColumns = top
    .filter((c) => isNode(c.expr) && c.expr.type === 'aggr_func' && c.expr.name === 'COUNT')
    .map((c) => (typeof c.as === 'string' ? c.as : ''));
  if (countColumns.includes(''))
    throw new ValidationError('Name every COUNT with an alias: small-cell checks need to find it', [
      { path: 'body.sql', message: 'count(*) AS n' },
    ]);
  return { tables: [...read], columns: [...columns], aggregate, countColumns };
};

const containsAggregate = (v: unknown): boolean => {
  if (Array.isArray(v)) return v.some(containsAggregate);
  if (!isNode(v)) return false;
  if (v.type === 'aggr_func') return true;
  return Object.entries(v).some(([k, x]) => k !== 'loc' && containsAggregate(x));
};

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

/**
 * The operator's query with each table it reads shadowed by a CTE over the physical dataset that
 * exposes only the allowed columns, named as the data items (`c1 AS "名称"`): the per-entitlement view.
 * `physical(name)` is the engine's name for the registered dataset.
 */
export const scopedSql = (
  sql: string,
  scopes: readonly TableScope[],
  physical: (name: string) => string,
): string => {
  const ctes = scopes.map((s) => {
    const cols = s.items
      .map((item, i) => ({ item, col: `c${i + 1}` }))
      .filter(
        ({ item }) =>
          s.fields.includes(item.name) && (!item.personalInformation || s.personalInformationAllowed),
      )
      .map(({ item, col }) => `${col} AS ${quote(item.name)}`);
    return `${quote(s.name)} AS (SELECT ${cols.length ? cols.join(', ') : 'NULL AS "_"'} FROM ${physical(s.name)})`;
  });
  const body = sql.trim().replace(/;\s*$/, '');
  const m = /^with\s+/i.exec(body.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, ''));
  const stripped = body.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '');
  return m
    ? `WITH ${ctes.join(', ')}, ${stripped.slice(m[0].length)}`
    : `WITH ${ctes.join(', ')} ${stripped}`;
};
