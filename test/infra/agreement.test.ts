/**
 * One declaration, two runtimes: the synthesized CloudFormation template and the local runtime serve
 * exactly the routes, state machines, event rules, schedules, tables and functions that
 * infra/system.ts declares — no more, no fewer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TemplateInventory, templateInventory } from '../../infra/stack.js';
import {
  DEFAULT_ROUTE_FUNCTION,
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
      const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
      // An unmatched request reaches the `$default` route, whose answer is "Route METHOD /path was not found".
      expect(body.error?.message ?? '', key).not.toMatch(/^Route /);
    }
  });

  it('sends unmatched requests to the declared default function in both runtimes', async () => {
    const resources = Object.values(
      (cloud.json as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> })
        .Resources,
    );
    const fallback = resources.find(
      (r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties?.RouteKey === '$default',
    );
    expect(JSON.stringify(fallback?.Properties?.Target)).toContain(
      `Api${DEFAULT_ROUTE_FUNCTION[0]?.toUpperCase()}${DEFAULT_ROUTE_FUNCTION.slice(1)}Integration`,
    );
    const res = await fetch(`${local.url}/no/such/route`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('fires every schedule of the template locally', async () => {
    // A schedule that is not wired locally, or whose job fails on an empty stage, throws here.
    for (const name of fromTemplate.schedules) await local.rt.scheduler.fire(name);
    expect(fromTemplate.schedules.length).toBeGreaterThan(0);
  });
});
