import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTE_TABLES } from '../../functions/meta/route-tables.js';
import { metaRoutes } from '../../functions/meta/routes.js';
import { validateDefinition } from '../../infra/local/step-functions.js';
import {
  type FunctionDecl,
  type FunctionName,
  functionArnPlaceholder,
  functions,
  PARTITION_PLACEHOLDER,
  type RouteDecl,
  routeKey,
  routes,
  type StateMachineDecl,
  stateMachines,
  tables,
} from '../../infra/system.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const tablesOf = { ...ROUTE_TABLES, meta: metaRoutes };

describe('the declaration', () => {
  it('serves every declared route with a handler of the declared function, and nothing undeclared', () => {
    const declared = (routes as readonly RouteDecl[]).map((r) => `${r.function}:${r.operationId}`).sort();
    const served = Object.entries(tablesOf)
      .flatMap(([fn, table]) => Object.keys(table ?? {}).map((op) => `${fn}:${op}`))
      .sort();
    expect(served).toEqual(declared);
  });

  it('has unique route keys and operation ids', () => {
    const keys = (routes as readonly RouteDecl[]).map(routeKey);
    const ops = (routes as readonly RouteDecl[]).map((r) => r.operationId);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(ops).size).toBe(ops.length);
  });

  it('only lets functions reach declared tables', () => {
    for (const decl of Object.values(functions)) {
      for (const t of Object.keys(decl.tables)) expect(Object.keys(tables)).toContain(t);
    }
  });

  it('gives the outbox to exactly the functions that publish events (they publish through it)', () => {
    const decls = Object.entries(functions as Record<string, FunctionDecl>);
    const publishing = decls.filter(([, d]) => d.publishesEvents).map(([name]) => name);
    const withOutbox = decls.filter(([, d]) => d.tables.outbox === 'write').map(([name]) => name);
    expect(publishing.length).toBeGreaterThan(0);
    expect(withOutbox.sort()).toEqual(publishing.sort());
  });
});

describe('domain events', () => {
  it('are published only through the transactional outbox (Transaction.publish)', () => {
    const sources = readdirSync(join(ROOT, 'functions'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.split('\\').join('/'));
    const direct = sources.filter(
      (f) =>
        !['shared/store.ts', 'shared/aws/event-bridge.ts'].includes(f) &&
        readFileSync(join(ROOT, 'functions', f), 'utf8').includes('events.publish('),
    );
    expect(sources).toContain('shared/store.ts');
    expect(direct).toEqual([]);
  });
});

describe('state machines', () => {
  const machines = Object.entries(stateMachines as Record<string, StateMachineDecl>);
  const files = readdirSync(join(ROOT, 'state-machines')).filter((f) => f.endsWith('.asl.json'));

  it('declares every ASL file in state-machines/', () => {
    expect(machines.map(([, m]) => m.file.replace('state-machines/', '')).sort()).toEqual(files.sort());
  });

  it('declares at least the selection and data-demand review workflows', () => {
    expect(machines.map(([name]) => name)).toEqual(
      expect.arrayContaining(['selection', 'data-demand-review']),
    );
  });

  it.each(machines)('%s is valid ASL that runs locally', (_name, decl) => {
    const text = readFileSync(join(ROOT, decl.file), 'utf8');
    const definition = JSON.parse(text) as object;
    // Every placeholder names a declared function of this machine (or the partition), and every
    // declared function is used.
    const placeholders = [...text.matchAll(/\$\{(\w+)\}/g)]
      .map((m) => m[1])
      .filter((p) => p !== PARTITION_PLACEHOLDER)
      .sort();
    const expected = decl.functions.map((f: FunctionName) => functionArnPlaceholder(f)).sort();
    expect([...new Set(placeholders)]).toEqual(expected);
    expect(validateDefinition(definition)).toEqual([]);
  });
});
