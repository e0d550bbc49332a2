/** The frame of every page: the platform's name, the menu of the signed-in role, language, sign-in. */
import { Button, Layout } from 'antd';
import type { ReactNode } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { type Role, useAuth } from './auth';
import { useI18n } from './i18n';

type Item = { to: string; zh: string; en: string };

const PUBLIC: Item[] = [
  { to: '/catalog', zh: '数据目录', en: 'Data catalog' },
  { to: '/announcements', zh: '授权公告', en: 'Announcements' },
  { to: '/operators', zh: '授权运营单位公示', en: 'Authorized operators' },
  { to: '/products', zh: '数据产品', en: 'Data products' },
  { to: '/disclosures', zh: '年度公开', en: 'Annual disclosure' },
];

/** Each role's own pages (the API decides what they may do; the menu only shows where to go). */
export const ROLE_MENU: Record<Role, Item[]> = {
  operator: [
    { to: '/operator/applications', zh: '我的申请', en: 'My applications' },
    { to: '/operator/grants', zh: '授权协议', en: 'Agreements' },
    { to: '/operator/demands', zh: '数据需求', en: 'Data demands' },
    { to: '/operator/entitlements', zh: '数据权限', en: 'Entitlements' },
    { to: '/operator/governance', zh: '数据治理', en: 'Governance' },
  ],
  provider: [
    { to: '/provider/catalog', zh: '目录编制', en: 'My catalog' },
    { to: '/tasks', zh: '待办审核', en: 'Inbox' },
    { to: '/provider/governance', zh: '治理请求', en: 'Governance' },
  ],
  authority: [
    { to: '/authority', zh: '总览', en: 'Overview' },
    { to: '/tasks', zh: '待办审核', en: 'Inbox' },
    { to: '/authority/catalog', zh: '目录审核', en: 'Catalog review' },
    { to: '/authority/announcements', zh: '公告管理', en: 'Announcements' },
    { to: '/authority/credit-list', zh: '信用名单', en: 'Credit list' },
    { to: '/authority/grants', zh: '授权管理', en: 'Grants' },
    { to: '/authority/evaluations', zh: '评估', en: 'Evaluations' },
    { to: '/authority/governance', zh: '数据治理', en: 'Governance' },
  ],
  expert: [{ to: '/tasks', zh: '评审任务', en: 'Inbox' }],
  government: [{ to: '/tasks', zh: '审定任务', en: 'Inbox' }],
  regulator: [
    { to: '/authority', zh: '监管总览', en: 'Overview' },
    { to: '/authority/grants', zh: '授权', en: 'Grants' },
    { to: '/authority/credit-list', zh: '信用名单', en: 'Credit list' },
    { to: '/authority/evaluations', zh: '评估', en: 'Evaluations' },
    { to: '/regulator/applications', zh: '授权申请', en: 'Applications' },
    { to: '/regulator/reports', zh: '运营报告', en: 'Reports' },
    { to: '/regulator/incidents', zh: '安全事件', en: 'Incidents' },
    { to: '/regulator/audit', zh: '审计日志', en: 'Audit trail' },
  ],
  consumer: [],
  admin: [],
};

export const Shell = ({ children }: { children: ReactNode }) => {
  const { t, lang, setLang } = useI18n();
  const { session, signOut } = useAuth();
  const loc = useLocation();
  const nav = useNavigate();
  const items = [
    ...PUBLIC,
    ...(session
      ? [...ROLE_MENU[session.user.role], { to: '/notifications', zh: '通知', en: 'Notifications' }]
      : []),
  ];
  const selected = items
    .map((i) => i.to)
    .filter((to) => loc.pathname === to || loc.pathname.startsWith(`${to}/`))
    .sort((a, b) => b.length - a.length)
    .slice(0, 1);
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a href="#main" className="skip-link">
        {t('跳到主要内容', 'Skip to content')}
      </a>
      <Layout.Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: 12,
          background: '#0b3d73',
          padding: '0 16px',
          flexWrap: 'wrap',
          height: 'auto',
          minHeight: 64,
        }}
      >
        <Link to="/" style={{ color: '#fff', fontWeight: 600, fontSize: 17, whiteSpace: 'nowrap' }}>
          {t('十堰市公共数据授权运营平台', 'Shiyan Public Data Platform')}
        </Link>
        <div style={{ flex: 1 }} />
        <Button
          size="small"
          onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
          lang={lang === 'zh' ? 'en' : 'zh-CN'}
          aria-label={lang === 'zh' ? 'Switch to English' : '切换到中文'}
        >
          {lang === 'zh' ? 'English' : '中文'}
        </Button>
        {session ? (
          <>
            <span style={{ color: '#fff' }} data-testid="whoami">
              {session.user.name ?? session.user.id} · {session.user.orgName ?? session.user.org}
            </span>
            <Button
              size="small"
              onClick={() => {
                signOut();
                nav('/');
              }}
            >
              {t('退出', 'Sign out')}
            </Button>
          </>
        ) : (
          <Link to="/signin" style={{ color: '#fff' }}>
            {t('登录', 'Sign in')}
          </Link>
        )}
      </Layout.Header>
      <nav aria-label={t('主导航', 'Main navigation')}>
        <ul className="main-nav">
          {items.map((i) => (
            <li key={i.to}>
              <Link to={i.to} aria-current={selected.includes(i.to) ? 'page' : undefined}>
                {lang === 'en' ? i.en : i.zh}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <Layout.Content
        id="main"
        tabIndex={-1}
        style={{ padding: '16px', maxWidth: 1200, width: '100%', margin: '0 auto' }}
      >
        {children}
      </Layout.Content>
      <Layout.Footer style={{ textAlign: 'center', color: 'rgba(0,0,0,0.7)' }}>
        {t(
          '依据《十堰市公共数据授权运营暂行办法》 · 时间均为北京时间',
          'Under the Shiyan Interim Measures · times in China Standard Time',
        )}
      </Layout.Footer>
    </Layout>
  );
};
