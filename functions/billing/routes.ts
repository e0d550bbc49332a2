import type { Principal } from '../shared/auth.js';
import type { Deps } from '../shared/deps.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.js';
import {
  caller,
  expectedVersion,
  pageReply,
  type RequestContext,
  type RouteTable,
  route,
} from '../shared/http.js';
import {
  amountDue,
  canViewStatement,
  decideDispute,
  disputeStatement,
  type Statement,
  settleStatement,
  withApiCalls,
} from './domain.js';
import { billingRepository } from './repository.js';
import {
  DecideDispute,
  DisputeStatement,
  ListStatementsQuery,
  SettleStatement,
  StatementId,
  UsageQuery,
} from './schemas.js';

const parseId = (id: string) => ({ month: `${id.slice(3, 7)}-${id.slice(7, 9)}`, operatorOrg: id.slice(10) });

const load = async (deps: Deps, id: string, who: Principal): Promise<Statement> => {
  const { month, operatorOrg } = parseId(id);
  const s = await billingRepository(deps).statement(operatorOrg, month);
  if (!s) throw new NotFoundError('Statement');
  if (!canViewStatement(s, who)) throw new ForbiddenError('This statement is another operator’s');
  return s;
};

const view = (s: Statement) => ({ ...s, amountDueFen: amountDue(s) });

/** Applies one statement transition in a transaction with its audit event. */
const transition = async <B extends { version?: number | undefined }>(
  ctx: RequestContext<B, unknown, { id: string }>,
  action: string,
  apply: (s: Statement, who: Principal, expected: number | undefined) => Statement,
) => {
  const who = caller(ctx);
  const before = await load(ctx.deps, ctx.params.id, who);
  const after = apply(before, who, expectedVersion(ctx.body, ctx.headers));
  await billingRepository(ctx.deps)
    .save(ctx.tx(), after, before.version)
    .audit({
      action,
      resource: `statement/${after.id}`,
      before: { status: before.status, version: before.version },
      after: { status: after.status, version: after.version, amountDueFen: amountDue(after) },
    })
    .commit();
  return { status: 200, body: view(after) };
};

/** Platform-cost statements (Art. 17), keyed by the operationIds of infra/system.ts. */
export const billingRoutes: RouteTable = {
  listStatements: route({
    query: ListStatementsQuery,
    async handle(ctx) {
      const who = caller(ctx);
      const repo = billingRepository(ctx.deps);
      const q = { limit: ctx.query.limit, cursor: ctx.query.cursor };
      if (who.role === 'operator') {
        const page = await repo.listOfOperator(who.org, q);
        return pageReply(
          ctx.query.month ? { ...page, items: page.items.filter((s) => s.month === ctx.query.month) } : page,
          view,
        );
      }
      if (!ctx.query.month)
        throw new ValidationError('Name the month', [
          { path: 'query.month', message: 'Required for this role' },
        ]);
      return pageReply(await repo.listOfMonth(ctx.query.month, q), view);
    },
  }),

  getStatement: route({
    params: StatementId,
    async handle(ctx) {
      const s = await load(ctx.deps, ctx.params.id, caller(ctx));
      return { status: 200, body: view(s), headers: { etag: `"${s.version}"` } };
    },
  }),

  disputeStatement: route({
    params: StatementId,
    body: DisputeStatement,
    handle: (ctx) =>
      transition(ctx, 'statement.dispute', (s, who, v) =>
        disputeStatement(s, who, ctx.body.reason, v, ctx.now),
      ),
  }),

  decideStatementDispute: route({
    params: StatementId,
    body: DecideDispute,
    handle: (ctx) =>
      transition(ctx, `statement.dispute-${ctx.body.decision}`, (s, who, v) =>
        decideDispute(s, who, ctx.body, v, ctx.now),
      ),
  }),

  settleStatement: route({
    params: StatementId,
    body: SettleStatement,
    handle: (ctx) =>
      transition(ctx, 'statement.settle', (s, who, v) =>
        settleStatement(s, who, ctx.body.reference, ctx.body.amountFen, v, ctx.now),
      ),
  }),

  /** The operator's metered use of a month so far (what its next statement will bill). */
  getPlatformUsage: route({
    query: UsageQuery,
    async handle(ctx) {
      const who = caller(ctx);
      const repo = billingRepository(ctx.deps);
      const [m, apiCalls] = await Promise.all([
        repo.monthOf(who.org, ctx.query.month),
        repo.apiCallsOf(who.org, ctx.query.month),
      ]);
      return {
        status: 200,
        body: {
          operatorOrg: who.org,
          month: ctx.query.month,
          uses: m.uses,
          // The API calls so far (this one not yet: it is counted when it ends).
          meters: withApiCalls(m.meters, who.org, ctx.query.month, apiCalls),
        },
      };
    },
  }),
};
