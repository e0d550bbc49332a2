/**
 * `npm run token -- --role <role> --org <unified social credit code> [--sub <user>] [--name <name>] [--expires 12h]`
 * prints a bearer token signed by the local issuer (its key lives in DATA_DIR, so `npm start` accepts it).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isValidCreditCode } from '../../functions/shared/credit-code.js';
import { ROLES, type Role } from '../system.js';
import { createLocalIssuer } from './issuer.js';

const USAGE = `usage: npm run token -- --role <${ROLES.join('|')}> --org <credit code> [--sub <user>] [--name <name>] [--expires 12h]
(run it with the DATA_DIR of \`npm start\`: the token is signed with the key kept there)`;
const fail = (msg: string): never => {
  console.error(`${msg}\n${USAGE}`);
  process.exit(2);
};

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        role: { type: 'string', multiple: true },
        org: { type: 'string' },
        sub: { type: 'string' },
        name: { type: 'string' },
        expires: { type: 'string', default: '12h' },
      },
    });
  } catch (e) {
    // An unknown flag or a flag without its value: say so, with the usage, not a stack trace.
    return fail((e as Error).message);
  }
})();
const { values } = parsed;

const roles = (values.role ?? []) as string[];
if (!roles.length) fail('--role is required');
for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) fail(`Unknown role ${r}`);
if (!values.org) fail('--org is required');
if (values.org && !isValidCreditCode(values.org))
  fail(`${values.org} is not a valid unified social credit code`);
// A lifetime as jose reads it: a number and a unit (s, m, h, d, w, y), e.g. 30m or 12h.
if (
  !/^\d+\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks|y|yr|yrs|year|years)$/i.test(
    values.expires ?? '12h',
  )
)
  fail(`--expires ${values.expires}: a lifetime such as 30m, 12h or 7d`);

const issuer = await createLocalIssuer(resolve(process.env.DATA_DIR ?? '.data'));
console.log(
  await issuer.token({
    roles: roles as Role[],
    org: values.org ?? '',
    ...(values.sub ? { sub: values.sub } : {}),
    ...(values.name ? { name: values.name } : {}),
    expiresIn: values.expires ?? '12h',
  }),
);
