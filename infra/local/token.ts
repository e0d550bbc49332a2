/**
 * `npm run token -- --role <role> --org <unified social credit code> [--sub <user>] [--name <name>] [--expires 12h]`
 * prints a bearer token signed by the local issuer (its key lives in DATA_DIR, so `npm start` accepts it).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isValidCreditCode } from '../../functions/shared/credit-code.js';
import { ROLES, type Role } from '../system.js';
import { createLocalIssuer } from './issuer.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true },
    org: { type: 'string' },
    sub: { type: 'string' },
    name: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

const roles = (values.role ?? []) as string[];
const fail = (msg: string) => {
  console.error(
    `${msg}\nusage: npm run token -- --role <${ROLES.join('|')}> --org <credit code> [--sub <user>]`,
  );
  process.exit(2);
};
if (!roles.length) fail('--role is required');
for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) fail(`Unknown role ${r}`);
if (!values.org) fail('--org is required');
if (values.org && !isValidCreditCode(values.org))
  fail(`${values.org} is not a valid unified social credit code`);

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
