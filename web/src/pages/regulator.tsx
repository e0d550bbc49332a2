/**
 * The regulator's area (Art. 14, 19): applications, reports, incidents and the audit trail with its
 * hash-chain verification, read-only. No page here offers a state-changing action; grants and
 * evaluations are the authority's lists, which show a regulator no action either.
 */
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, DatePicker, Form, Input, Select, Space, Tag } from 'antd';
import { useState } from 'react';
import { Route, Routes } from 'react-router';
import { api, unwrap } from '../api/client';
import { ErrorAlert, PageTitle, Time, useCodes, useLabel } from '../common';
import { useI18n } from '../i18n';
import { ListPage, ListTable, usePagedList } from '../list';

interface Application {
  id: string;
  announcementId: string;
  operatorOrg: string;
  status: string;
  currentStep?: string;
  createdAt?: string;
}
interface Report {
  id: string;
  grantId: string;
  operatorOrg: string;
  period: string;
  dueAt: string;
  status: string;
  revision: number;
  submittedAt?: string;
  overdueAt?: string;
  late?: boolean;
}
interface Incident {
  id: string;
  status: string;
  reporterOrg: string;
  grantId?: string;
  kind: string;
  severity: string;
  occurredAt: string;
  description: string;
}
interface AuditEvent {
  resource: string;
  seq: number;
  at: string;
  action: string;
  actor: { userId: string; role: string; org: string; principalPerson: string | null };
  requestId: string;
  hash: string;
}
interface Verification {
  resource: string;
  events: number;
  ok: boolean;
  firstBreak: { seq: number | null; sk: string; reason: string } | null;
  headHash: string | null;
}

const Applications = () => {
  const { t } = useI18n();
  const label = useLabel();
  const list = usePagedList<Application>(['regulator-applications'], (query) =>
    api.GET('/applications', { params: { query: query as never } }),
  );
  return (
    <ListPage
      heading={t('授权申请（只读）', 'Applications (read-only)')}
      list={list}
      columns={[
        { title: t('申请单位', 'Applicant'), dataIndex: 'operatorOrg' },
        { title: t('公告', 'Announcement'), dataIndex: 'announcementId' },
        {
          title: t('状态', 'Status'),
          render: (_, a) => <Tag>{label('applicationStatuses', a.status)}</Tag>,
        },
        { title: t('环节', 'Step'), render: (_, a) => label('applicationSteps', a.currentStep) },
        { title: t('提交时间', 'Submitted'), render: (_, a) => <Time value={a.createdAt} /> },
      ]}
    />
  );
};

const Reports = () => {
  const { t } = useI18n();
  const label = useLabel();
  const { data: codes } = useCodes();
  const [status, setStatus] = useState<string | undefined>();
  const [overdue, setOverdue] = useState(false);
  const list = usePagedList<Report>(['regulator-reports', status, overdue], (query) =>
    api.GET('/reports', {
      params: {
        query: { ...query, ...(status ? { status } : {}), ...(overdue ? { overdue: 'true' } : {}) } as never,
      },
    }),
  );
  return (
    <ListPage
      heading={t('运营报告（第十二条）', 'Operation reports (Art. 12)')}
      filters={
        <Space wrap>
          <Select
            aria-label={t('报告状态', 'Report status')}
            placeholder={t('全部状态', 'All statuses')}
            allowClear
            style={{ minWidth: 180 }}
            value={status}
            onChange={setStatus}
            options={(codes?.reportStatuses ?? []).map((c) => ({
              value: c.code,
              label: label('reportStatuses', c.code),
            }))}
          />
          <Select
            aria-label={t('是否逾期', 'Overdue')}
            style={{ minWidth: 140 }}
            value={overdue ? 'yes' : 'all'}
            onChange={(v) => setOverdue(v === 'yes')}
            options={[
              { value: 'all', label: t('全部', 'All') },
              { value: 'yes', label: t('仅逾期', 'Overdue only') },
            ]}
          />
        </Space>
      }
      list={list}
      columns={[
        { title: t('运营单位', 'Operator'), dataIndex: 'operatorOrg' },
        { title: t('授权', 'Grant'), dataIndex: 'grantId' },
        { title: t('期间', 'Period'), dataIndex: 'period' },
        {
          title: t('状态', 'Status'),
          render: (_, r) => (
            <>
              <Tag data-testid="report-status">{label('reportStatuses', r.status)}</Tag>
              {r.overdueAt && <Tag color="red">{t('逾期', 'Overdue')}</Tag>}
            </>
          ),
        },
        { title: t('截止', 'Due'), render: (_, r) => <Time value={r.dueAt} date /> },
        { title: t('提交时间', 'Submitted'), render: (_, r) => <Time value={r.submittedAt} /> },
        { title: t('版本', 'Revision'), dataIndex: 'revision' },
      ]}
    />
  );
};

const Incidents = () => {
  const { t } = useI18n();
  const label = useLabel();
  const list = usePagedList<Incident>(['regulator-incidents'], (query) =>
    api.GET('/incidents', { params: { query: query as never } }),
  );
  return (
    <ListPage
      heading={t('安全事件（只读）', 'Incidents (read-only)')}
      list={list}
      columns={[
        { title: t('发生时间', 'Occurred'), render: (_, i) => <Time value={i.occurredAt} /> },
        { title: t('报告单位', 'Reporter'), dataIndex: 'reporterOrg' },
        { title: t('类型', 'Kind'), render: (_, i) => label('incidentKinds', i.kind) },
        {
          title: t('级别', 'Severity'),
          render: (_, i) => (
            <Tag color={i.severity === 'high' || i.severity === 'critical' ? 'red' : undefined}>
              {label('incidentSeverities', i.severity)}
            </Tag>
          ),
        },
        {
          title: t('状态', 'Status'),
          render: (_, i) => <Tag data-testid="incident-status">{label('incidentStatuses', i.status)}</Tag>,
        },
        { title: t('描述', 'Description'), dataIndex: 'description' },
      ]}
    />
  );
};

type AuditFilter = {
  resource?: string;
  org?: string;
  user?: string;
  role?: string;
  action?: string;
  from?: string;
  to?: string;
};

const VerifyResult = ({ resource }: { resource: string }) => {
  const { t } = useI18n();
  const q = useQuery({
    queryKey: ['audit-verify', resource],
    queryFn: () =>
      unwrap<Verification>(api.GET('/audit/verify', { params: { query: { resource } as never } })),
  });
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data) return null;
  const v = q.data;
  return (
    <Alert
      data-testid="audit-verify"
      showIcon
      type={v.ok ? 'success' : 'error'}
      message={
        v.ok
          ? t(
              `${v.resource}：${v.events} 条记录，哈希链完整`,
              `${v.resource}: ${v.events} events, chain intact`,
            )
          : t(
              `${v.resource}：哈希链在第 ${v.firstBreak?.seq ?? '?'} 条断开（${v.firstBreak?.reason ?? ''}）`,
              `${v.resource}: chain broken at ${v.firstBreak?.seq ?? '?'} (${v.firstBreak?.reason ?? ''})`,
            )
      }
      description={v.headHash ? `${t('链头哈希', 'Head hash')} ${v.headHash}` : undefined}
      style={{ marginBottom: 12 }}
    />
  );
};

const AuditTrail = () => {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const [filter, setFilter] = useState<AuditFilter>({});
  const [verify, setVerify] = useState<string | undefined>();
  const list = usePagedList<AuditEvent>(['audit-events', filter], (query) =>
    api.GET('/audit/events', { params: { query: { ...query, ...filter } as never } }),
  );
  const apply = (v: Record<string, unknown>) => {
    const out: AuditFilter = {};
    for (const k of ['resource', 'org', 'user', 'role', 'action'] as const) {
      const s = typeof v[k] === 'string' ? (v[k] as string).trim() : '';
      if (s) out[k] = s;
    }
    const range = v.range as [{ toISOString(): string }, { toISOString(): string }] | undefined;
    if (range?.[0]) out.from = range[0].toISOString();
    if (range?.[1]) out.to = range[1].toISOString();
    setFilter(out);
    if (out.resource) setVerify(out.resource);
  };
  return (
    <>
      <PageTitle>{t('审计日志（第十九条）', 'Audit trail (Art. 19)')}</PageTitle>
      <Form form={form} layout="inline" onFinish={apply} style={{ marginBottom: 12, rowGap: 8 }}>
        <Form.Item name="resource" label={t('对象', 'Resource')}>
          <Input placeholder="grant/gr_…" allowClear />
        </Form.Item>
        <Form.Item name="org" label={t('单位代码', 'Organisation')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="user" label={t('用户', 'User')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="role" label={t('角色', 'Role')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="action" label={t('操作', 'Action')}>
          <Input placeholder="grant.sign" allowClear />
        </Form.Item>
        <Form.Item name="range" label={t('时间范围', 'Period')}>
          <DatePicker.RangePicker showTime aria-label={t('时间范围', 'Period')} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit">
            {t('查询', 'Search')}
          </Button>
        </Form.Item>
      </Form>
      {verify && <VerifyResult resource={verify} />}
      <ListTable
        list={list}
        rowKey={(e) => `${e.resource}-${e.seq}`}
        data-testid="audit-events"
        columns={[
          { title: t('时间', 'At'), render: (_, e) => <Time value={e.at} /> },
          { title: t('操作', 'Action'), dataIndex: 'action' },
          { title: t('对象', 'Resource'), render: (_, e) => `${e.resource} #${e.seq}` },
          {
            title: t('操作人', 'Actor'),
            render: (_, e) => `${e.actor.userId} · ${e.actor.role} · ${e.actor.org}`,
          },
          {
            title: t('哈希链', 'Chain'),
            render: (_, e) => (
              <Button
                size="small"
                type="link"
                aria-label={t(`校验 ${e.resource} 的哈希链`, `Verify the chain of ${e.resource}`)}
                onClick={() => setVerify(e.resource)}
              >
                {t('校验', 'Verify')}
              </Button>
            ),
          },
        ]}
      />
    </>
  );
};

export default function RegulatorPages() {
  return (
    <Routes>
      <Route index element={<AuditTrail />} />
      <Route path="audit" element={<AuditTrail />} />
      <Route path="applications" element={<Applications />} />
      <Route path="reports" element={<Reports />} />
      <Route path="incidents" element={<Incidents />} />
    </Routes>
  );
}
