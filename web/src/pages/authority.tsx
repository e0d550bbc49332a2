/** The authority's pages (the regulator sees the same records read-only: the actions are the authority's). */
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Form, Input, InputNumber, Select, Space, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { Route, Routes } from 'react-router';
import { api, type Page, unwrap } from '../api/client';
import type { paths } from '../api/generated/schema';
import { useAuth } from '../auth';
import { ErrorAlert, idem, PageTitle, Time, useAction, useCodes, useLabel } from '../common';
import { FormSelect } from '../form-select';
import { useI18n } from '../i18n';
import { ListPage, ListTable, PAGE_SIZE, usePagedList } from '../list';
import type { Application } from './operator';
import type { Announcement, CatalogItem } from './public';
import { type Grant, GrantActions, GrantsTable, useGrants } from './shared-records';
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
  const q = usePagedList<CatalogItem>(['catalog', 'submitted'], (query) =>
    api.GET('/catalog', { params: { query: { ...query, scope: 'all', status: 'submitted' } as never } }),
  );
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
      <ErrorAlert error={review.error} onReload={() => q.refetch()} />
      <ListTable
        list={q}
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

/** A `datetime-local` value read as China Standard Time (the portal's zone, Art. 10.1 windows). */
const fromCst = (local: string) => new Date(`${local}:00+08:00`).toISOString();
const toCst = (iso: string | undefined) =>
  iso ? new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16) : undefined;

interface DraftForm {
  title: string;
  year: number;
  mode: 'comprehensive' | 'domain';
  domain?: string;
  providerOrg?: string;
  scope: string[];
  opensAt: string;
  closesAt: string;
  conditions: string;
}

const toForm = (a: Announcement): DraftForm => ({
  title: a.title,
  year: a.year,
  mode: a.mode === 'domain' ? 'domain' : 'comprehensive',
  ...(a.domain ? { domain: a.domain } : {}),
  scope: a.scope,
  opensAt: toCst(a.window.opensAt) ?? '',
  closesAt: toCst(a.window.closesAt) ?? '',
  conditions: a.conditions.text,
});

/** Create a draft announcement, or edit one (PATCH with its version: a 409 offers to reload it). */
const AnnouncementDraft = ({
  editing,
  onDone,
}: {
  editing?: Announcement;
  onDone: (a?: Announcement) => void;
}) => {
  const { t } = useI18n();
  const label = useLabel();
  const { data: codes } = useCodes();
  const [form] = Form.useForm<DraftForm>();
  const mode = Form.useWatch('mode', form);
  const catalog = useQuery({
    queryKey: ['catalog', 'published'],
    queryFn: () =>
      unwrap<Page<CatalogItem>>(api.GET('/catalog', { params: { query: { limit: PAGE_SIZE } as never } })),
  });
  useEffect(() => {
    form.resetFields();
    if (editing) form.setFieldsValue(toForm(editing));
  }, [editing, form]);
  type Create = paths['/announcements']['post']['requestBody']['content']['application/json'];
  const save = useAction(
    (v: DraftForm, key: string) => {
      const body = {
        title: v.title,
        year: v.year,
        mode: v.mode,
        ...(v.mode === 'domain'
          ? { domain: v.domain, ...(v.providerOrg ? { grantingProvider: { org: v.providerOrg } } : {}) }
          : {}),
        scope: v.scope,
        window: { opensAt: fromCst(v.opensAt), closesAt: fromCst(v.closesAt) },
      };
      return editing
        ? unwrap(
            api.PATCH('/announcements/{id}', {
              params: { path: { id: editing.id } },
              body: { ...body, conditions: { text: v.conditions }, version: editing.version } as never,
              headers: idem(key),
            }),
          )
        : unwrap(
            api.POST('/announcements', {
              body: { ...body, conditions: { text: v.conditions, requiredDocuments: [] } } as Create,
              headers: idem(key),
            }),
          );
    },
    { form, invalidate: [['announcements']], onSuccess: () => onDone() },
  );
  /** After a 409: the record as it is now, in the form. */
  const reload = async () => {
    if (!editing) return;
    const fresh = await unwrap<Announcement>(
      api.GET('/announcements/{id}', { params: { path: { id: editing.id } } }),
    );
    save.reset();
    onDone(fresh);
  };
  const entries = (catalog.data?.items ?? []).filter((e) => e.published && e.authorizable !== false);
  return (
    <Card
      title={
        <h2 style={{ fontSize: 16, margin: 0 }}>
          {editing
            ? t(`编辑草稿：${editing.title}`, `Edit draft: ${editing.title}`)
            : t('新建公告草稿', 'New draft')}
        </h2>
      }
      style={{ marginTop: 24, maxWidth: 760 }}
      data-testid="announcement-form"
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ year: new Date().getFullYear(), mode: 'comprehensive' }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="title" label={t('公告标题', 'Title')} rules={[{ required: true }]}>
          <Input />
        </Form.Item>
        <Space wrap>
          <Form.Item name="year" label={t('年度', 'Year')} rules={[{ required: true }]}>
            <InputNumber min={2023} max={2100} />
          </Form.Item>
          <Form.Item name="mode" label={t('授权方式', 'Mode')}>
            <FormSelect
              style={{ minWidth: 160 }}
              options={[
                { value: 'comprehensive', label: t('综合授权', 'Comprehensive') },
                { value: 'domain', label: t('分领域授权', 'By domain') },
              ]}
            />
          </Form.Item>
          {mode === 'domain' && (
            <>
              <Form.Item name="domain" label={t('领域', 'Domain')} rules={[{ required: true }]}>
                <FormSelect
                  style={{ minWidth: 180 }}
                  options={(codes?.domains ?? []).map((c) => ({
                    value: c.code,
                    label: label('domains', c.code),
                  }))}
                />
              </Form.Item>
              <Form.Item name="providerOrg" label={t('授权单位代码', 'Granting provider')}>
                <Input />
              </Form.Item>
            </>
          )}
        </Space>
        <Form.Item
          name="scope"
          label={t('授权范围（目录）', 'Scope (catalog entries)')}
          rules={[{ required: true }]}
        >
          <FormSelect
            mode="multiple"
            options={entries.map((e) => ({ value: e.id, label: e.published?.title ?? e.id }))}
          />
        </Form.Item>
        <Space wrap>
          <Form.Item
            name="opensAt"
            label={t('申报开始（北京时间）', 'Opens (CST)')}
            rules={[{ required: true }]}
          >
            <Input type="datetime-local" />
          </Form.Item>
          <Form.Item
            name="closesAt"
            label={t('申报截止（北京时间）', 'Closes (CST)')}
            rules={[{ required: true }]}
          >
            <Input type="datetime-local" />
          </Form.Item>
        </Space>
        <Form.Item name="conditions" label={t('申报条件', 'Conditions')} rules={[{ required: true }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        <ErrorAlert error={save.error} onReload={editing ? reload : undefined} />
        <Space style={{ marginTop: 8 }}>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {editing ? t('保存修改', 'Save changes') : t('保存草稿', 'Save draft')}
          </Button>
          {editing && <Button onClick={() => onDone()}>{t('取消编辑', 'Cancel')}</Button>}
        </Space>
      </Form>
    </Card>
  );
};

const Announcements = () => {
  const { t } = useI18n();
  const label = useLabel();
  const { session } = useAuth();
  const [editing, setEditing] = useState<Announcement>();
  const q = usePagedList<Announcement>(['announcements', 'all'], (query) =>
    api.GET('/announcements', { params: { query: query as never } }),
  );
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
  const authority = session?.user.role === 'authority';
  return (
    <>
      <PageTitle>{t('公告管理', 'Announcements')}</PageTitle>
      <ErrorAlert error={publish.error} onReload={() => q.refetch()} />
      <ListTable
        list={q}
        columns={[
          { title: t('标题', 'Title'), dataIndex: 'title' },
          {
            title: t('状态', 'Status'),
            render: (_, a) => (
              <Tag data-testid="announcement-status">{label('announcementStatuses', a.status)}</Tag>
            ),
          },
          { title: t('申报截止', 'Closes'), render: (_, a) => <Time value={a.window.closesAt} /> },
          {
            title: t('操作', 'Actions'),
            render: (_, a) =>
              authority &&
              a.status === 'draft' && (
                <Space>
                  <Button size="small" onClick={() => setEditing(a)}>
                    {t('编辑', 'Edit')}
                  </Button>
                  <Button size="small" type="primary" onClick={() => publish.mutate(a)}>
                    {t('发布', 'Publish')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      {authority && <AnnouncementDraft editing={editing} onDone={setEditing} />}
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
  const q = usePagedList<CreditEntry>(['credit-list'], (query) =>
    api.GET('/credit-list', { params: { query: query as never } }),
  );
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
      <ListTable
        list={q}
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
  const q = useGrants();
  return (
    <>
      <PageTitle>{t('授权管理', 'Grants')}</PageTitle>
      <GrantsTable list={q} actions={(g) => <GrantActions grant={g} />} />
    </>
  );
};

interface Evaluation {
  id: string;
  grantId: string;
  status: string;
  outcome?: string;
  createdAt: string;
  version: number;
}

const Evaluations = () => {
  const { t } = useI18n();
  const label = useLabel();
  const q = usePagedList<Evaluation>(['evaluations'], (query) =>
    api.GET('/evaluations', { params: { query: query as never } }),
  );
  return (
    <ListPage
      heading={t('评估（第十三、十四条）', 'Evaluations (Art. 13-14)')}
      list={q}
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
