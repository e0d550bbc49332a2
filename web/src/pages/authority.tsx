/** The authority's pages (the regulator sees the same records read-only: the actions are the authority's). */
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Descriptions, Form, Input, InputNumber, Space, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { Route, Routes } from 'react-router';
import { api, type Page, unwrap } from '../api/client';
import type { paths } from '../api/generated/schema';
import { useAuth } from '../auth';
import { ErrorAlert, idem, Loading, PageTitle, Time, useAction, useCodes, useLabel } from '../common';
import { FormSelect } from '../form-select';
import { useI18n } from '../i18n';
import { fetchAll, ListPage, ListTable, PAGE_SIZE, usePagedList } from '../list';
import { type Application, GovernanceList } from './operator';
import type { Announcement, CatalogItem } from './public';
import { type Grant, GrantActions, GrantsTable, useGrants } from './shared-records';
import type { Task } from './tasks';

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
  // The charts count every record (all cursor pages, up to 5,000 each), not the first page.
  const apps = useQuery({
    queryKey: ['applications', 'all'],
    queryFn: () =>
      fetchAll<Application>((paging) => api.GET('/applications', { params: { query: paging as never } })),
  });
  const grants = useQuery({
    queryKey: ['grants', 'all'],
    queryFn: () => fetchAll<Grant>((paging) => api.GET('/grants', { params: { query: paging as never } })),
  });
  const overdue = useQuery({
    queryKey: ['tasks', 'overdue', 'all'],
    enabled: session?.user.role === 'authority',
    queryFn: () =>
      fetchAll<Task>((paging) =>
        api.GET('/tasks', {
          params: { query: { ...paging, all: 'true', overdue: 'true', status: 'pending' } as never },
        }),
      ),
  });
  const ents = useQuery({
    queryKey: ['entitlements', 'all'],
    queryFn: () =>
      fetchAll<{ status: string; domain?: string | null }>((paging) =>
        api.GET('/entitlements', { params: { query: paging as never } }),
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
          data={count(
            (ents.data?.items ?? []).filter((e) => e.status === 'active'),
            (e) => (e.domain ? label('domains', e.domain) : t('未记录领域', 'Domain not recorded')),
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
  operatorOrg: string;
  operatorName?: string | null;
  period: string;
  status: string;
  materialsDueAt: string;
  materials: { description: string; documents: string[]; submittedAt: string; late: boolean }[];
  result: {
    outcome: string;
    findings: string[];
    comment?: string;
    manualScores?: { criterion: string; score: number; comment?: string }[];
  } | null;
  rectifyBy: string | null;
  rectifications: { report: string; reportedAt: string; review?: { decision: string } }[];
  assessment: { automaticScore: number | null } | null;
  version: number;
  createdAt: string;
  outcome?: string;
}

/** The criteria of the automatic assessment (functions/evaluations/cycle.ts), scored by hand too. */
const CRITERIA: [string, string, string][] = [
  ['reports', '运营报告', 'Operation reports'],
  ['governance', '数据治理', 'Data governance'],
  ['data-use', '数据使用', 'Data use'],
  ['incidents', '安全事件', 'Security incidents'],
];

/** Art. 13: the authority opens an evaluation and asks the operator for its material by a deadline. */
const OpenEvaluation = ({ onOpened }: { onOpened: (id: string) => void }) => {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const grants = useGrants();
  const open = useAction(
    (v: { grantId: string; period: string; materialsDueAt: string; scope?: string }, key: string) =>
      unwrap<Evaluation>(
        api.POST('/evaluations', {
          body: { ...v, materialsDueAt: fromCst(v.materialsDueAt), scope: v.scope ?? '' },
          headers: idem(key),
        }),
      ),
    {
      form,
      invalidate: [['evaluations']],
      onSuccess: (e) => {
        form.resetFields();
        onOpened((e as Evaluation).id);
      },
    },
  );
  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('发起评估并要求提交材料', 'Open an evaluation')}</h2>}
      style={{ marginTop: 24, maxWidth: 760 }}
    >
      <Form form={form} layout="vertical" onFinish={(v) => open.mutate(v)}>
        <Form.Item name="grantId" label={t('授权协议', 'Grant')} rules={[{ required: true }]}>
          <FormSelect
            options={grants.items
              .filter((g) => g.status === 'active')
              .map((g) => ({ value: g.id, label: `${g.operatorName ?? g.operatorOrg}（${g.id}）` }))}
          />
        </Form.Item>
        <Space wrap>
          <Form.Item
            name="period"
            label={t('评估期间（如 2026、2026-H1）', 'Period')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="materialsDueAt"
            label={t('材料提交截止（北京时间）', 'Materials due (CST)')}
            rules={[{ required: true }]}
          >
            <Input type="datetime-local" />
          </Form.Item>
        </Space>
        <Form.Item name="scope" label={t('评估内容与所需材料', 'Scope and material requested')}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <ErrorAlert error={open.error} />
        <Button type="primary" htmlType="submit" loading={open.isPending}>
          {t('发起评估', 'Open evaluation')}
        </Button>
      </Form>
    </Card>
  );
};

/** One evaluation: its material, the result form (manual scores and comments), the rectification review. */
const EvaluationPanel = ({ id }: { id: string }) => {
  const { t, lang } = useI18n();
  const label = useLabel();
  const [resultForm] = Form.useForm();
  const [reviewForm] = Form.useForm();
  const q = useQuery({
    queryKey: ['evaluations', 'one', id],
    queryFn: () => unwrap<Evaluation>(api.GET('/evaluations/{id}', { params: { path: { id } } })),
  });
  const e = q.data;
  const outcome = Form.useWatch('outcome', resultForm) as string | undefined;
  const decision = Form.useWatch('decision', reviewForm) as string | undefined;
  type ResultBody = paths['/evaluations/{id}/result']['post']['requestBody']['content']['application/json'];
  type ReviewBody =
    paths['/evaluations/{id}/rectification-review']['post']['requestBody']['content']['application/json'];
  const record = useAction(
    (v: Record<string, unknown>, key: string) => {
      const scores = CRITERIA.flatMap(([c]) => {
        const score = v[`score-${c}`];
        const comment = String(v[`comment-${c}`] ?? '').trim();
        return typeof score === 'number' ? [{ criterion: c, score, ...(comment ? { comment } : {}) }] : [];
      });
      const body =
        v.outcome === 'pass'
          ? { outcome: 'pass', comment: String(v.comment ?? '').trim() || undefined, scores }
          : {
              outcome: 'fail',
              findings: String(v.findings ?? '')
                .split(/\n+/)
                .map((f) => f.trim())
                .filter(Boolean),
              rectifyBy: fromCst(String(v.rectifyBy)),
              scores,
            };
      return unwrap(
        api.POST('/evaluations/{id}/result', {
          params: { path: { id } },
          body: { ...body, version: e?.version } as ResultBody,
          headers: idem(key),
        }),
      );
    },
    { form: resultForm, invalidate: [['evaluations']] },
  );
  const review = useAction(
    (v: { decision: string; note?: string }, key: string) =>
      unwrap(
        api.POST('/evaluations/{id}/rectification-review', {
          params: { path: { id } },
          body: (v.decision === 'accept'
            ? { decision: 'accept', comment: v.note?.trim() || undefined, version: e?.version }
            : { decision: 'reject', reason: v.note ?? '', version: e?.version }) as ReviewBody,
          headers: idem(key),
        }),
      ),
    { form: reviewForm, invalidate: [['evaluations']], onSuccess: () => reviewForm.resetFields() },
  );
  if (q.error) return <ErrorAlert error={q.error} onReload={() => q.refetch()} />;
  if (!e) return <Loading />;
  const pending = e.rectifications.at(-1);
  const awaitingReview = e.status === 'rectifying' && pending && !pending.review;
  const criterion = (c: string) => {
    const k = CRITERIA.find(([id]) => id === c);
    return k ? (lang === 'zh' ? k[1] : k[2]) : c;
  };
  return (
    <Card
      data-testid="evaluation-panel"
      title={
        <h2 style={{ fontSize: 16, margin: 0 }}>
          {t(`评估 ${e.period} · ${e.operatorName ?? e.operatorOrg}`, `Evaluation ${e.period}`)}{' '}
          <Tag data-testid="evaluation-status">{label('evaluationStatuses', e.status)}</Tag>
        </h2>
      }
      extra={
        <Button size="small" onClick={() => q.refetch()}>
          {t('刷新', 'Refresh')}
        </Button>
      }
      style={{ marginTop: 24, maxWidth: 860 }}
    >
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t('材料截止', 'Materials due')}>
          <Time value={e.materialsDueAt} />
        </Descriptions.Item>
        <Descriptions.Item label={t('自动评估得分', 'Automatic score')}>
          {e.assessment?.automaticScore ?? '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('运营单位材料', 'Material supplied')}>
          {e.materials.length
            ? e.materials.map((m) => (
                <div key={m.submittedAt}>
                  <Time value={m.submittedAt} /> {m.description}
                  {m.late && <Tag color="orange">{t('逾期提交', 'Late')}</Tag>}
                </div>
              ))
            : t('尚未提交', 'None yet')}
        </Descriptions.Item>
        {e.result && (
          <Descriptions.Item label={t('评估结论', 'Result')}>
            {label('evaluationOutcomes', e.result.outcome)}
            {e.result.findings.length > 0 && `：${e.result.findings.join('；')}`}
            {e.result.manualScores?.map((s) => (
              <div key={s.criterion}>
                {criterion(s.criterion)} {s.score}
                {s.comment ? ` · ${s.comment}` : ''}
              </div>
            ))}
          </Descriptions.Item>
        )}
        {e.rectifyBy && (
          <Descriptions.Item label={t('整改期限', 'Rectify by')}>
            <Time value={e.rectifyBy} />
          </Descriptions.Item>
        )}
        {e.rectifications.map((r) => (
          <Descriptions.Item key={r.reportedAt} label={t('整改报告', 'Rectification report')}>
            <Time value={r.reportedAt} /> {r.report}
            {r.review &&
              ` · ${r.review.decision === 'accept' ? t('已通过', 'Accepted') : t('未通过', 'Rejected')}`}
          </Descriptions.Item>
        ))}
      </Descriptions>

      {e.status === 'open' && (
        <Form
          form={resultForm}
          layout="vertical"
          onFinish={(v) => record.mutate(v)}
          style={{ marginTop: 16 }}
          aria-label={t('评估结论', 'Evaluation result')}
        >
          <h3 style={{ fontSize: 15 }}>{t('记录评估结论（第十四条）', 'Record the result (Art. 14)')}</h3>
          <fieldset
            style={{ border: '1px solid #d9d9d9', borderRadius: 6, padding: '8px 16px', marginBottom: 16 }}
          >
            <legend style={{ fontSize: 14, width: 'auto', border: 0, padding: '0 4px', margin: 0 }}>
              {t('人工评分与意见', 'Manual scores and comments')}
            </legend>
            {CRITERIA.map(([c, zh, en]) => (
              <Space key={c} wrap align="start">
                <Form.Item name={`score-${c}`} label={t(`${zh}得分`, `${en} score`)}>
                  <InputNumber min={0} max={100} />
                </Form.Item>
                <Form.Item name={`comment-${c}`} label={t(`${zh}意见`, `${en} comment`)}>
                  <Input style={{ minWidth: 280 }} />
                </Form.Item>
              </Space>
            ))}
          </fieldset>
          <Form.Item name="outcome" label={t('结论', 'Outcome')} rules={[{ required: true }]}>
            <FormSelect
              options={[
                { value: 'pass', label: label('evaluationOutcomes', 'pass') },
                {
                  value: 'fail',
                  label: t('不符合要求（责令整改，暂停授权）', 'Fail (rectify; grant suspended)'),
                },
              ]}
            />
          </Form.Item>
          {outcome === 'fail' ? (
            <>
              <Form.Item
                name="findings"
                label={t('问题清单（每行一条）', 'Findings (one a line)')}
                rules={[{ required: true }]}
              >
                <Input.TextArea rows={3} />
              </Form.Item>
              <Form.Item
                name="rectifyBy"
                label={t('整改期限（北京时间）', 'Rectify by (CST)')}
                rules={[{ required: true }]}
              >
                <Input type="datetime-local" />
              </Form.Item>
            </>
          ) : (
            <Form.Item name="comment" label={t('评估意见', 'Comment')}>
              <Input.TextArea rows={2} />
            </Form.Item>
          )}
          <ErrorAlert error={record.error} onReload={() => q.refetch().then(() => record.reset())} />
          <Button type="primary" htmlType="submit" loading={record.isPending}>
            {t('提交评估结论', 'Record result')}
          </Button>
        </Form>
      )}

      {awaitingReview && (
        <Form
          form={reviewForm}
          layout="vertical"
          onFinish={(v) => review.mutate(v)}
          style={{ marginTop: 16 }}
          aria-label={t('整改审核', 'Rectification review')}
        >
          <h3 style={{ fontSize: 15 }}>{t('审核整改报告', 'Review the rectification')}</h3>
          <Form.Item name="decision" label={t('审核结论', 'Decision')} rules={[{ required: true }]}>
            <FormSelect
              options={[
                { value: 'accept', label: t('整改合格（恢复授权）', 'Accept (grant reinstated)') },
                { value: 'reject', label: t('整改不合格', 'Reject') },
              ]}
            />
          </Form.Item>
          <Form.Item
            name="note"
            label={decision === 'reject' ? t('不合格理由', 'Reason') : t('审核意见', 'Comment')}
            rules={decision === 'reject' ? [{ required: true }] : []}
          >
            <Input.TextArea rows={2} />
          </Form.Item>
          <ErrorAlert error={review.error} onReload={() => q.refetch().then(() => review.reset())} />
          <Button type="primary" htmlType="submit" loading={review.isPending}>
            {t('提交审核', 'Submit review')}
          </Button>
        </Form>
      )}
    </Card>
  );
};

const Evaluations = () => {
  const { t } = useI18n();
  const label = useLabel();
  const { session } = useAuth();
  const authority = session?.user.role === 'authority';
  const [selected, setSelected] = useState<string>();
  const q = usePagedList<Evaluation>(['evaluations'], (query) =>
    api.GET('/evaluations', { params: { query: query as never } }),
  );
  return (
    <ListPage
      heading={t('评估（第十三、十四条）', 'Evaluations (Art. 13-14)')}
      list={q}
      columns={[
        { title: t('运营单位', 'Operator'), render: (_, e) => e.operatorName ?? e.operatorOrg },
        { title: t('期间', 'Period'), dataIndex: 'period' },
        {
          title: t('状态', 'Status'),
          render: (_, e) => <Tag>{label('evaluationStatuses', e.status)}</Tag>,
        },
        { title: t('结论', 'Outcome'), render: (_, e) => label('evaluationOutcomes', e.result?.outcome) },
        { title: t('开始时间', 'Opened'), render: (_, e) => <Time value={e.createdAt} /> },
        ...(authority
          ? [
              {
                title: t('操作', 'Actions'),
                render: (_: unknown, e: Evaluation) => (
                  <Button size="small" onClick={() => setSelected(e.id)}>
                    {t('处理', 'Handle')}
                  </Button>
                ),
              },
            ]
          : []),
      ]}
    >
      {authority && selected && <EvaluationPanel id={selected} />}
      {authority && <OpenEvaluation onOpened={setSelected} />}
    </ListPage>
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
      <Route path="governance" element={<GovernanceList canCreate={false} />} />
    </Routes>
  );
}
