/** The authority's pages (the regulator sees the same records read-only: the actions are the authority's). */
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Input, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { Route, Routes } from 'react-router';
import { api, type Page, unwrap } from '../api/client';
import type { paths } from '../api/generated/schema';
import { useAuth } from '../auth';
import { ErrorAlert, idem, PageTitle, Time, useAction, useLabel } from '../common';
import { useI18n } from '../i18n';
import type { Application } from './operator';
import type { Announcement, CatalogItem } from './public';
import { type Grant, GrantActions, GrantsTable } from './shared-records';
import type { Task } from './tasks';

const list = <T,>(p: Promise<{ data?: unknown; error?: unknown; response: Response }>) => unwrap<Page<T>>(p);
const count = <T,>(items: T[], key: (t: T) => string) => {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m];
};

/** A bar chart as a labelled list: readable by screen readers, no chart library in the bundle. */
const Bars = ({ title, data }: { title: string; data: [string, number][] }) => {
  const max = Math.max(1, ...data.map(([, n]) => n));
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{title}</h2>} size="small">
      <ul style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {data.map(([k, n]) => (
          <li key={k} style={{ display: 'flex', alignItems: 'center', gap: 8, margin: '4px 0' }}>
            <span style={{ width: 110 }}>{k}</span>
            <span
              aria-hidden
              style={{ background: '#0b5cad', height: 14, width: `${(n / max) * 60}%`, borderRadius: 2 }}
            />
            <span>{n}</span>
          </li>
        ))}
        {data.length === 0 && <li>—</li>}
      </ul>
    </Card>
  );
};

const Overview = () => {
  const { t } = useI18n();
  const label = useLabel();
  const { session } = useAuth();
  const apps = useQuery({
    queryKey: ['applications'],
    queryFn: () =>
      list<Application>(api.GET('/applications', { params: { query: { limit: 100 } as never } })),
  });
  const grants = useQuery({
    queryKey: ['grants'],
    queryFn: () => list<Grant>(api.GET('/grants', { params: { query: { limit: 100 } as never } })),
  });
  const overdue = useQuery({
    queryKey: ['tasks', 'overdue'],
    enabled: session?.user.role === 'authority',
    queryFn: () =>
      list<Task>(
        api.GET('/tasks', {
          params: { query: { all: 'true', overdue: 'true', status: 'pending', limit: 100 } as never },
        }),
      ),
  });
  const ents = useQuery({
    queryKey: ['entitlements'],
    queryFn: () =>
      list<{ status: string; domain?: string }>(
        api.GET('/entitlements', { params: { query: { limit: 100 } as never } }),
      ),
  });
  return (
    <>
      <PageTitle>{t('总览', 'Overview')}</PageTitle>
      <ErrorAlert error={apps.error ?? grants.error} />
      <div style={{ display: 'grid', gap: 16, gridTemplateColumns: 'repeat(auto-fit, minmax(280px, 1fr))' }}>
        <Bars
          title={t('各环节申请数', 'Applications by step')}
          data={count(apps.data?.items ?? [], (a) => label('applicationSteps', a.currentStep))}
        />
        <Bars
          title={t('各状态授权数', 'Grants by status')}
          data={count(grants.data?.items ?? [], (g) => label('grantStatuses', g.status))}
        />
        <Bars title={t('逾期任务', 'Overdue tasks')} data={count(overdue.data?.items ?? [], (k) => k.kind)} />
        <Bars
          title={t('数据权限（按领域）', 'Entitlements by domain')}
          data={count(ents.data?.items ?? [], (e) =>
            e.domain ? label('domains', e.domain) : label('entitlementStatuses', e.status),
          )}
        />
      </div>
    </>
  );
};

const CatalogReview = () => {
  const { t } = useI18n();
  const label = useLabel();
  const { session } = useAuth();
  const q = useQuery({
    queryKey: ['catalog', 'submitted'],
    queryFn: () =>
      list<CatalogItem>(
        api.GET('/catalog', {
          params: { query: { scope: 'all', status: 'submitted', limit: 100 } as never },
        }),
      ),
  });
  type Body = paths['/catalog/{id}/review']['post']['requestBody']['content']['application/json'];
  const review = useAction(
    ({ e, body }: { e: CatalogItem; body: Body }, key: string) =>
      unwrap(
        api.POST('/catalog/{id}/review', {
          params: { path: { id: e.id } },
          body: { ...body, version: e.version },
          headers: idem(key),
        }),
      ),
    { invalidate: [['catalog']] },
  );
  const [reason, setReason] = useState('');
  return (
    <>
      <PageTitle>{t('目录审核', 'Catalog review')}</PageTitle>
      <ErrorAlert error={q.error ?? review.error} onReload={() => q.refetch()} />
      <Table
        rowKey="id"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        scroll={{ x: true }}
        columns={[
          { title: t('目录名称', 'Title'), render: (_, e) => e.working?.title },
          { title: t('提供单位', 'Provider'), render: (_, e) => e.providerName ?? e.providerOrg },
          {
            title: t('分级', 'Classification'),
            render: (_, e) => label('classifications', e.working?.classification),
          },
          ...(session?.user.role === 'authority'
            ? [
                {
                  title: t('操作', 'Actions'),
                  render: (_: unknown, e: CatalogItem) => (
                    <Space wrap>
                      <Button
                        size="small"
                        type="primary"
                        onClick={() => review.mutate({ e, body: { decision: 'approve' } })}
                      >
                        {t('通过', 'Approve')}
                      </Button>
                      <Input
                        size="small"
                        aria-label={t('退回理由', 'Reason')}
                        placeholder={t('退回理由', 'Reason')}
                        value={reason}
                        onChange={(x) => setReason(x.target.value)}
                        style={{ width: 140 }}
                      />
                      <Button
                        size="small"
                        danger
                        onClick={() => review.mutate({ e, body: { decision: 'reject', reason } })}
                      >
                        {t('退回', 'Reject')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
    </>
  );
};

const Announcements = () => {
  const { t } = useI18n();
  const label = useLabel();
  const { session } = useAuth();
  const q = useQuery({
    queryKey: ['announcements', 'all'],
    queryFn: () =>
      list<Announcement>(api.GET('/announcements', { params: { query: { limit: 100 } as never } })),
  });
  const publish = useAction(
    (a: Announcement, key: string) =>
      unwrap(
        api.POST('/announcements/{id}/publish', {
          params: { path: { id: a.id } },
          body: { version: a.version },
          headers: idem(key),
        }),
      ),
    { invalidate: [['announcements']] },
  );
  return (
    <>
      <PageTitle>{t('公告管理', 'Announcements')}</PageTitle>
      <ErrorAlert error={q.error ?? publish.error} onReload={() => q.refetch()} />
      <Table
        rowKey="id"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        scroll={{ x: true }}
        columns={[
          { title: t('标题', 'Title'), dataIndex: 'title' },
          {
            title: t('状态', 'Status'),
            render: (_, a) => <Tag>{label('announcementStatuses', a.status)}</Tag>,
          },
          { title: t('申报截止', 'Closes'), render: (_, a) => <Time value={a.window.closesAt} /> },
          {
            title: t('操作', 'Actions'),
            render: (_, a) =>
              session?.user.role === 'authority' &&
              a.status === 'draft' && (
                <Button size="small" type="primary" onClick={() => publish.mutate(a)}>
                  {t('发布', 'Publish')}
                </Button>
              ),
          },
        ]}
      />
    </>
  );
};

interface CreditEntry {
  id: string;
  subjectType: string;
  creditCode?: string;
  name?: string;
  list: string;
  source: string;
  listedAt: string;
}

/** CSV rows: subjectType,creditCode,name,list,source,listedAt (header optional). */
const parseCsv = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('subjectType'))
    .map((l) => {
      const [subjectType, creditCode, name, list, source, listedAt] = l.split(',').map((s) => s.trim());
      return {
        subjectType,
        ...(creditCode ? { creditCode } : {}),
        ...(name ? { name } : {}),
        list,
        source,
        listedAt,
      };
    });

const CreditList = () => {
  const { t } = useI18n();
  const label = useLabel();
  const { session } = useAuth();
  const [csv, setCsv] = useState('');
  const q = useQuery({
    queryKey: ['credit-list'],
    queryFn: () => list<CreditEntry>(api.GET('/credit-list', { params: { query: { limit: 100 } as never } })),
  });
  type Body = paths['/credit-list/import']['post']['requestBody']['content']['application/json'];
  const imp = useAction(
    (rows: Body, key: string) => unwrap(api.POST('/credit-list/import', { body: rows, headers: idem(key) })),
    {
      invalidate: [['credit-list']],
      onSuccess: () => setCsv(''),
    },
  );
  return (
    <>
      <PageTitle>{t('信用名单（第九条）', 'Credit list (Art. 9)')}</PageTitle>
      <ErrorAlert error={q.error} />
      <Table
        rowKey="id"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        scroll={{ x: true }}
        columns={[
          { title: t('名单', 'List'), render: (_, e) => label('creditLists', e.list) },
          { title: t('主体', 'Subject'), render: (_, e) => e.name ?? e.creditCode ?? '—' },
          { title: t('来源', 'Source'), dataIndex: 'source' },
          { title: t('列入时间', 'Listed'), render: (_, e) => <Time value={e.listedAt} /> },
        ]}
      />
      {session?.user.role === 'authority' && (
        <Card
          title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('导入名单（CSV）', 'Import (CSV)')}</h2>}
          style={{ marginTop: 24, maxWidth: 720 }}
        >
          <label htmlFor="credit-csv">subjectType,creditCode,name,list,source,listedAt</label>
          <Input.TextArea id="credit-csv" rows={5} value={csv} onChange={(e) => setCsv(e.target.value)} />
          <ErrorAlert error={imp.error} />
          <Button
            type="primary"
            style={{ marginTop: 8 }}
            loading={imp.isPending}
            onClick={() => imp.mutate({ entries: parseCsv(csv) } as Body)}
          >
            {t('导入', 'Import')}
          </Button>
        </Card>
      )}
    </>
  );
};

const Grants = () => {
  const { t } = useI18n();
  const q = useQuery({
    queryKey: ['grants'],
    queryFn: () => list<Grant>(api.GET('/grants', { params: { query: { limit: 100 } as never } })),
  });
  return (
    <>
      <PageTitle>{t('授权管理', 'Grants')}</PageTitle>
      <ErrorAlert error={q.error} />
      <GrantsTable
        loading={q.isLoading}
        items={q.data?.items ?? []}
        actions={(g) => <GrantActions grant={g} />}
      />
    </>
  );
};

const Evaluations = () => {
  const { t } = useI18n();
  const label = useLabel();
  const q = useQuery({
    queryKey: ['evaluations'],
    queryFn: () =>
      list<{ id: string; grantId: string; status: string; outcome?: string; createdAt: string }>(
        api.GET('/evaluations', { params: { query: { limit: 100 } as never } }),
      ),
  });
  return (
    <>
      <PageTitle>{t('评估（第十三、十四条）', 'Evaluations (Art. 13-14)')}</PageTitle>
      <ErrorAlert error={q.error} />
      <Table
        rowKey="id"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        scroll={{ x: true }}
        columns={[
          { title: t('授权', 'Grant'), dataIndex: 'grantId' },
          {
            title: t('状态', 'Status'),
            render: (_, e) => <Tag>{label('evaluationStatuses', e.status)}</Tag>,
          },
          { title: t('结论', 'Outcome'), render: (_, e) => label('evaluationOutcomes', e.outcome) },
          { title: t('开始时间', 'Opened'), render: (_, e) => <Time value={e.createdAt} /> },
        ]}
      />
    </>
  );
};

export default function AuthorityPages() {
  return (
    <Routes>
      <Route index element={<Overview />} />
      <Route path="catalog" element={<CatalogReview />} />
      <Route path="announcements" element={<Announcements />} />
      <Route path="credit-list" element={<CreditList />} />
      <Route path="grants" element={<Grants />} />
      <Route path="evaluations" element={<Evaluations />} />
    </Routes>
  );
}
