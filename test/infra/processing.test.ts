/**
 * Processing in AWS (Art. 16-18): the data bucket (encrypted, public access blocked, TLS only), the Glue
 * database, the Athena workgroup with its bytes-scanned limit, the processing function's least
 * privilege; and DuckDB stays out of the Lambda bundle (the engine in AWS is Athena).
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLING } from '../../infra/bundling.js';
import { BYTES_SCANNED_CUTOFF } from '../../infra/constructs/processing.js';
import * as system from '../../infra/system.js';
import {
  actionsOf,
  declared,
  dispose,
  ofType,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synth,
} from './helpers.js';

let s: Synthesized;
// A synth takes minutes on a loaded 2-core machine: this file allows it more than the default hook time.
beforeAll(() => {
  s = synth('prod');
}, 300_000);
afterAll(() => dispose(s));

describe('processing resources', () => {
  it('keeps the data private: encryption, public access blocked, TLS only, access logs', () => {
    const buckets = ofType(s.json, 'AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThanOrEqual(2);
    for (const [, b] of buckets) {
      expect(b.Properties?.BucketEncryption).toBeDefined();
      expect(b.Properties?.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
    const policies = ofType(s.json, 'AWS::S3::BucketPolicy').map(([, p]) => JSON.stringify(p.Properties));
    expect(policies.every((p) => p.includes('aws:SecureTransport'))).toBe(true);
    expect(buckets.some(([, b]) => b.Properties?.LoggingConfiguration)).toBe(true);
  });

  it('has a Glue database and an Athena workgroup per stage that enforces a bytes-scanned limit', () => {
    const [[, db] = []] = ofType(s.json, 'AWS::Glue::Database');
    expect(JSON.stringify(db?.Properties)).toContain('shiyan_prod_processing');
    const [[, wg] = []] = ofType(s.json, 'AWS::Athena::WorkGroup');
    const cfg = wg?.Properties?.WorkGroupConfiguration as Record<string, unknown>;
    expect(wg?.Properties?.Name).toBe('shiyan-prod-jobs');
    expect(cfg.BytesScannedCutoffPerQuery).toBe(BYTES_SCANNED_CUTOFF);
    expect(cfg.EnforceWorkGroupConfiguration).toBe(true);
  });

  it('gives the processing function only its prefixes, its database and its workgroup', () => {
    const fn = declared(s.json, 'function', 'processing').resource;
    const statements = statementsOfRole(s.json, roleOfFunction(fn));
    const actions = statements.flatMap(actionsOf);
    expect(actions).toContain('athena:StartQueryExecution');
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    const athena = statements.find((st) => actionsOf(st).includes('athena:StartQueryExecution'));
    expect(JSON.stringify(athena?.Resource)).toContain('workgroup/shiyan-prod-jobs');
    const objects = statements.find((st) => actionsOf(st).includes('s3:PutObject'));
    const text = JSON.stringify(objects?.Resource);
    for (const prefix of ['datasets/*', 'outputs/*', 'athena-results/*']) expect(text).toContain(prefix);
    // No other function of the platform reaches the bucket (the portal's deployment provider writes
    // only the portal's own bucket: test/infra/portal.test.ts).
    const others = Object.keys(system.functions)
      .filter((name) => name !== 'processing')
      .map((name) => [name, declared(s.json, 'function', name).resource] as const);
    for (const [, f] of others) {
      const acts = statementsOfRole(s.json, roleOfFunction(f)).flatMap(actionsOf);
      expect(acts.some((a) => a.startsWith('s3:') || a.startsWith('athena:'))).toBe(false);
    }
  });
});

describe('the processing Lambda bundle', () => {
  it('does not contain DuckDB (Athena is the engine in AWS; DuckDB is loaded by the local runtime only)', async () => {
    const out = await build({
      ...BUNDLING,
      entryPoints: [join(import.meta.dirname, '../../functions/processing/handler.ts')],
      write: false,
      metafile: true,
      outfile: 'out.mjs',
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((i) => i.includes('@duckdb'))).toBe(false);
    expect(inputs.some((i) => i.includes('client-athena'))).toBe(true);
  });
});
