/**
 * `npm run portal -- --stage cn-prod -c domain=… -c icpLicence=… -c oidcIssuer=… [--out dir]`
 *
 * The portal for a stage without a CloudFront portal (the China regions, infra/constructs/capabilities.ts):
 * the built portal (web/dist, rebuilt when stale) and its `config.json` — sign-in through the stage's
 * OIDC issuer, and the ICP licence the serving page must show — in `dist/portal-<stage>/`, for the
 * city's filed web server. That server serves the files and passes `/api/` to the API's ICP-licensed
 * domain unchanged (README "AWS China regions"). The same stage inputs as synth, with the same checks.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensurePortalBuilt, PORTAL_DIST } from '../../web/scripts/build.js';
import { capabilitiesOf } from '../constructs/capabilities.js';
import { parseStage, type Stage } from '../constructs/config.js';
import { externalIssuerSignIn, type PortalConfig } from '../portal-config.js';
import { requireStageInputs, type StageInput, stageConfigWithInputs } from '../stages.js';
import { routes } from '../system.js';

/**
 * The portal's `config.json` for a stage served outside CloudFront.
 * @throws Error naming each missing stage input (as synth does), or when the stage has a CloudFront
 * portal (its config.json is written by the CDK stack) or no OIDC issuer.
 */
export const externalPortalConfig = (stage: Stage, lookup: (key: StageInput) => unknown): PortalConfig => {
  const config = stageConfigWithInputs(stage, lookup);
  requireStageInputs(stage, config, routes.filter((r) => typeof r.auth === 'string').length);
  if (capabilitiesOf(config).cloudFrontPortal)
    throw new Error(`Stage ${stage} has a CloudFront portal: its config.json is deployed by the stack`);
  if (config.identity.kind !== 'oidc' || !config.identity.issuer)
    throw new Error(`Stage ${stage} signs in through a user pool: no external portal configuration`);
  return {
    oidc: externalIssuerSignIn(config.identity.issuer, config.identity.audience),
    ...(config.domain?.icpLicence ? { icpLicence: config.domain.icpLicence } : {}),
  };
};

/** `-c key=value` pairs of an argument list. */
export const contextArgs = (args: readonly string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  args.forEach((a, i) => {
    if (a !== '-c' && a !== '--context') return;
    const [key, ...value] = (args[i + 1] ?? '').split('=');
    if (key) out[key] = value.join('=');
  });
  return out;
};

const main = async () => {
  const args = process.argv.slice(2);
  const at = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const stage = parseStage(at('--stage'));
  const inputs = contextArgs(args);
  const config = externalPortalConfig(stage, (key) => inputs[key]);
  const out = resolve(at('--out') ?? join('dist', `portal-${stage}`));
  await ensurePortalBuilt();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(PORTAL_DIST, out, { recursive: true });
  writeFileSync(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  console.log(`Portal for ${stage} in ${out} (config.json: sign-in at ${config.oidc.authorizationEndpoint})`);
};

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exitCode = 1;
  });
}
