import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { Deps } from '../../functions/shared/deps.js';
import { DEMO_ORGS, seedRegistry } from '../../infra/local/orgs.js';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../infra/local/runtime.js';
import type { Role } from '../../infra/system.js';

export interface Caller {
  readonly role: Role | readonly Role[];
  readonly org: string;
  readonly sub?: string;
}

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/**
 * Starts the whole local platform for one test file: its own stage (table prefix) in the shared
 * DynamoDB Local, a gateway on a free port, real tokens from the local issuer.
 */
export const startPlatform = async (opts: Partial<LocalRuntimeOptions> = {}): Promise<Platform> => {
  const rt = await startLocalRuntime({
    stage: `t${randomUUID().slice(0, 8)}`,
    dynamoEndpoint: inject('dynamoEndpoint'),
    logLevel: 'SILENT',
    ...opts,
  });
  const p = new Platform(rt);
  await registerDemoOrganisations(p);
  return p;
};

/** The organisation registry and expert pool of the demo: roles are honoured only for them. */
export const registerDemoOrganisations = (p: Platform): Promise<void> =>
  seedRegistry(async (path, body) => (await p.post(path, REGISTRAR, body)).status);

/** The authority's user who keeps the registry in tests (never one who decides on test records). */
const REGISTRAR = { role: 'authority', org: DEMO_ORGS.authority.code, sub: 'authority-registrar' } as const;

export class Platform {
  constructor(readonly rt: LocalRuntime) {}

  get url(): string {
    return this.rt.url;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    as: Caller | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (as) h.authorization = `Bearer ${await this.rt.token(as.role, as.org, as.sub)}`;
    if (body !== undefined && !h['content-type']) h['content-type'] = 'application/json';
    const res = await fetch(`${this.rt.url}${path}`, {
      method,
      headers: h,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  }

  get = <T = Record<string, unknown>>(
    path: string,
    as: Caller | null = null,
    headers?: Record<string, string>,
  ) => this.request<T>('GET', path, as, undefined, headers);
  post = <T = Record<string, unknown>>(
    path: string,
    as: Caller | null,
    body: unknown = {},
    headers?: Record<string, string>,
  ) => this.request<T>('POST', path, as, body, headers);
  patch = <T = Record<string, unknown>>(
    path: string,
    as: Caller | null,
    body: unknown,
    headers?: Record<string, string>,
  ) => this.request<T>('PATCH', path, as, body, headers);

  stop(): Promise<void> {
    return this.rt.stop();
  }
}

/** Callers of the demo organisations. */
export const as = {
  authority: { role: 'authority', org: DEMO_ORGS.authority.code, sub: 'authority-1' },
  police: { role: 'provider', org: DEMO_ORGS.police.code, sub: 'police-1' },
  transport: { role: 'provider', org: DEMO_ORGS.transport.code, sub: 'transport-1' },
  hrss: { role: 'provider', org: DEMO_ORGS.hrss.code, sub: 'hrss-1' },
  health: { role: 'provider', org: DEMO_ORGS.health.code, sub: 'health-1' },
  government: { role: 'government', org: DEMO_ORGS.government.code, sub: 'gov-1' },
  regulator: { role: 'regulator', org: DEMO_ORGS.regulator.code, sub: 'reg-1' },
  operatorA: { role: 'operator', org: DEMO_ORGS.operatorA.code, sub: 'op-a-1' },
  operatorB: { role: 'operator', org: DEMO_ORGS.operatorB.code, sub: 'op-b-1' },
  operatorC: { role: 'operator', org: DEMO_ORGS.operatorC.code, sub: 'op-c-1' },
  expert: (n: number) => ({ role: 'expert', org: DEMO_ORGS.experts.code, sub: `expert-${n}` }) as const,
  admin: { role: 'admin', org: DEMO_ORGS.authority.code, sub: 'ops-1' },
  hospital: { role: 'consumer', org: DEMO_ORGS.hospital.code, sub: 'hospital-1' },
  logistics: { role: 'consumer', org: DEMO_ORGS.logistics.code, sub: 'logistics-1' },
} as const satisfies Record<string, Caller | ((n: number) => Caller)>;

/** The name of a demo organisation, by its credit code. */
export const orgName = (code: string): string =>
  Object.values(DEMO_ORGS).find((o) => o.code === code)?.name ?? 'Operator';

/** The audit events of one resource, oldest first. */
export const auditOf = async (p: Platform, resource: string) => {
  const out = await p.rt.db.send(
    new QueryCommand({
      TableName: p.rt.tables.audit,
      KeyConditionExpression: '#r = :r',
      ExpressionAttributeNames: { '#r': 'resource' },
      ExpressionAttributeValues: { ':r': resource },
    }),
  );
  return out.Items ?? [];
};

/** A complete, valid catalog entry body. */
export const catalogEntryBody = (overrides: Record<string, unknown> = {}) => ({
  title: '公交刷卡数据',
  description: '公交IC卡刷卡记录（脱敏）',
  domain: 'transport',
  dataItems: [{ name: '卡号', type: 'string', personalInformation: true, description: '' }],
  updateFrequency: 'daily',
  format: 'csv',
  classification: 'general',
  openness: 'conditional',
  usageRequirements: '脱敏后使用',
  ...overrides,
});

/** Creates an entry as `owner`, submits it and has the authority approve it; returns its id. */
export const approvedEntry = async (
  p: Platform,
  owner: Caller,
  overrides: Record<string, unknown> = {},
): Promise<string> => {
  const created = await p.post('/catalog', owner, catalogEntryBody(overrides));
  if (created.status !== 201)
    throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const id = String(created.body.id);
  await p.post(`/catalog/${id}/submit`, owner, {});
  const reviewed = await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve' });
  if (reviewed.status !== 200)
    throw new Error(`review failed: ${reviewed.status} ${JSON.stringify(reviewed.body)}`);
  return id;
};

/**
 * The runtime's dependencies with every DynamoDB request recorded (command name and input), for
 * tests that assert how a job reads: `sent` fills as `deps` is used.
 */
export const recordingDeps = (p: Platform) => {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const db = new Proxy(p.rt.db, {
    get(target, key, receiver) {
      if (key !== 'send') return Reflect.get(target, key, receiver);
      return (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return target.send(command as never);
      };
    },
  });
  return { sent, deps: { db, tables: p.rt.tables, clock: p.rt.clock } as unknown as Deps };
};
