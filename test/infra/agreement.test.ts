/**
 * One declaration, two runtimes: the synthesized CloudFormation template and the local runtime serve
 * exactly the routes, state machines, event rules, schedules, tables and functions that
 * infra/system.ts declares — no more, no fewer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TemplateInventory, templateInventory } from '../../infra/stack.js';
import {
  eventRules,
  functions,
  type RouteDecl,
  routeKey,
  routes,
  schedules,
  stateMachines,
  tables,
} from '../../infra/system.js';
import { type Platform, startPlatform } from '../support/platform.js';
import { dispose, type Synthesized, synth } from './helpers.js';

let cloud: Synthesized;
let local: Platform;
let fromTemplate: TemplateInventory;

beforeAll(async () => {
  cloud = synth('dev');
  fromTemplate = templateInventory(cloud.json);
  local = await startPlatform();
});
afterAll(async () => {
  dispose(cloud);
  await local.stop();
});

const sorted = (xs: Iterable<string>) => [...xs].sort();
const declared = {
  routes: sorted((routes as readonly RouteDecl[]).map(routeKey)),
  stateMachines: sorted(Object.keys(stateMachines)),
  schedules: sorted(Object.keys(schedules)),
  eventRules: sorted(Object.keys(eventRules)),
  tables: sorted(Object.keys(tables)),
  functions: sorted(Object.keys(functions)),
};

describe('declaration ↔ template ↔ local runtime', () => {
  it.each(Object.keys(declared) as (keyof typeof declared)[])('%s agree', (kind) => {
    const inLocal = local.rt.inventory()[kind];
    expect(fromTemplate[kind]).toEqual(declared[kind]);
    expect(inLocal).toEqual(declared[kind]);
  });

  it('the local gateway answers every route of the template (a handler, not the gateway 404)', async () => {
    for (const key of fromTemplate.routes) {
      const [method, path] = key.split(' ') as [string, string];
      const concrete = path.replace(/\{\w+\}/g, 'x0');
      const res = await fetch(`${local.url}${concrete}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      // The gateway's own "no such route" answer is `{ message: 'Not Found' }`; handlers answer `{ error }`.
      expect(body, key).not.toEqual({ message: 'Not Found' });
    }
  });

  it('fires every schedule of the template locally', async () => {
    // A schedule that is not wired locally, or whose job fails on an empty stage, throws here.
    for (const name of fromTemplate.schedules) await local.rt.scheduler.fire(name);
    expect(fromTemplate.schedules.length).toBeGreaterThan(0);
  });
});
