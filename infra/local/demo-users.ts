import type { Role } from '../system.js';
import { DEMO_ORGS, type DemoOrg } from './orgs.js';

/**
 * The people a visitor of the local portal may sign in as (the sign-in page lists them; the local
 * issuer signs their tokens through `POST /_local/token`). Their user ids match the demo data
 * (infra/local/demo.ts), so the seeded records are theirs. Local runtime only: in AWS people sign in
 * with the stage's identity provider.
 */
export interface DemoUser {
  readonly id: string;
  readonly role: Role;
  readonly org: string;
  readonly orgName: string;
  readonly name: { readonly zh: string; readonly en: string };
}

const user = (id: string, org: DemoOrg, zh: string, en: string, role?: Role): DemoUser => ({
  id,
  role: role ?? (DEMO_ORGS[org].role as Role),
  org: DEMO_ORGS[org].code,
  orgName: DEMO_ORGS[org].name,
  name: { zh, en },
});

export const DEMO_USERS: readonly DemoUser[] = [
  user('authority-reviewer', 'authority', '王审核（数据主管部门）', 'Wang, authority reviewer'),
  user(`${DEMO_ORGS.operatorA.code}-applicant`, 'operatorA', '陈申报（十堰数据运营）', 'Chen, operator A'),
  user(`${DEMO_ORGS.operatorB.code}-applicant`, 'operatorB', '刘申报（武当数智）', 'Liu, operator B'),
  user(`${DEMO_ORGS.operatorC.code}-applicant`, 'operatorC', '赵申报（汉江信息）', 'Zhao, operator C'),
  user(
    `${DEMO_ORGS.transport.code}-cataloguer`,
    'transport',
    '孙编目（市交通运输局）',
    'Sun, transport provider',
  ),
  user(`${DEMO_ORGS.police.code}-cataloguer`, 'police', '周编目（市公安局）', 'Zhou, police provider'),
  user('expert-1', 'experts', '专家一', 'Expert 1'),
  user('expert-2', 'experts', '专家二', 'Expert 2'),
  user('expert-3', 'experts', '专家三', 'Expert 3'),
  user('gov-approver', 'government', '吴审定（市人民政府）', 'Wu, government approver'),
  user('regulator-1', 'regulator', '郑监管（市委网信办）', 'Zheng, regulator'),
];

export const demoUser = (id: unknown): DemoUser | undefined => DEMO_USERS.find((u) => u.id === id);
