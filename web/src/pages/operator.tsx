/** The operator's pages: apply, follow applications, sign agreements, data demands, entitlements, governance. */
import { useQuery } from '@tanstack/react-query';
import {
  Button,
  Card,
  Checkbox,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Tag,
  Timeline,
} from 'antd';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { paths } from '../api/generated/schema';
import { useAuth } from '../auth';
import { ErrorAlert, idem, Loading, PageTitle, Time, useAction, useLabel } from '../common';
import { FormSelect } from '../form-select';
import { useI18n } from '../i18n';
import { ListPage, ListTable, usePagedList } from '../list';
import type { Announcement } from './public';
import {
  GovernanceActions,
  type GovernanceRequest,
  GrantActions,
  GrantsTable,
  useGrants,
} from './shared-records';

type ApplicationBody = paths['/applications']['post']['requestBody']['content']['application/json'];

export interface Application {
  id: string;
  announcementId: string;
  status: string;
  currentStep: string;
  grantId?: string;
  version: number;
  createdAt: string;
  plan: { announcementTitle: string };
  applicant?: { organisationName?: string };
  history: { key: string; step: string; action: string; at: string; decision?: string; reason?: string }[];
  rejection?: { step: string; reason: string };
  result?: { average: number; passMark: number; passed: boolean };
}

const DECLARATIONS: [keyof ApplicationBody['declarations'], string, string][] = [
  ['soundBusinessAndFinances', '经营状况和财务状况良好', 'Sound business and finances'],
  [
    'qualificationsAndCapability',
    '具备相应资质、人才和服务能力',
    'Qualifications, talent and service capability',
  ],
  ['noSeriousViolationRecord', '单位及法定代表人无严重违法失信记录', 'No serious violation record'],
  ['notDishonestJudgmentDebtor', '未被列入失信被执行人名单', 'Not a dishonest judgment debtor'],
  ['noMajorTaxViolation', '非重大税收违法案件当事人', 'No major tax violation case'],
  ['truthfulMaterials', '所提交材料真实有效', 'The materials are truthful'],
];

const Apply = () => {
  const { announcementId = '' } = useParams();
  const { t } = useI18n();
  const { session } = useAuth();
  const nav = useNavigate();
  const [form] = Form.useForm();
  const ann = useQuery({
    queryKey: ['announcements', announcementId],
    queryFn: () =>
      unwrap<Announcement>(api.GET('/announcements/{id}', { params: { path: { id: announcementId } } })),
  });
  const submit = useAction(
    (body: ApplicationBody, key: string) =>
      unwrap<Application>(api.POST('/applications', { body, headers: idem(key) })),
    {
      form,
      invalidate: [['applications']],
      onSuccess: (a) => nav(`/operator/applications/${(a as Application).id}`),
    },
  );
  if (ann.isLoading) return <Loading />;
  if (!ann.data) return <ErrorAlert error={ann.error} />;
  const docs = ann.data.conditions.requiredDocuments;
  const onFinish = (v: { declarations?: Record<string, boolean>; documentRefs?: string[] }) => {
    const body = {
      ...(v as object),
      announcementId,
      creditCode: session?.user.org ?? '',
      declarations: Object.fromEntries(DECLARATIONS.map(([k]) => [k, v.declarations?.[k] === true])),
      documents: docs.map((d, i) => ({ code: d.code, name: d.name, ref: v.documentRefs?.[i] ?? '' })),
    } as unknown as ApplicationBody & { documentRefs?: unknown };
    delete body.documentRefs;
    submit.mutate(body);
  };
  return (
    <>
      <PageTitle>
        {t('申请授权', 'Apply')} · {ann.data.title}
      </PageTitle>
      <Form
        form={form}
        layout="vertical"
        onFinish={onFinish}
        initialValues={{
          organisationName: session?.user.orgName,
          businessStatus: 'in-operation',
          staff: { securityStaff: 0 },
        }}
        style={{ maxWidth: 720 }}
      >
        <Form.Item
          name="organisationName"
          label={t('单位名称', 'Organisation name')}
          rules={[{ required: true }]}
        >
          <Input />
        </Form.Item>
        <Form.Item label={t('统一社会信用代码', 'Unified social credit code')}>
          <Input
            value={session?.user.org}
            disabled
            aria-label={t('统一社会信用代码', 'Unified social credit code')}
          />
        </Form.Item>
        <Space wrap>
          <Form.Item
            name={['legalRepresentative', 'name']}
            label={t('法定代表人', 'Legal representative')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name={['legalRepresentative', 'idNumber']}
            label={t('法定代表人身份证号', 'Identity number')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
        </Space>
        <Space wrap>
          <Form.Item
            name={['principal', 'name']}
            label={t('项目负责人', 'Principal')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name={['principal', 'title']} label={t('职务', 'Title')}>
            <Input />
          </Form.Item>
        </Space>
        <Form.Item name="businessStatus" label={t('经营状态', 'Business status')}>
          <Select
            options={[
              { value: 'in-operation', label: t('存续', 'In operation') },
              { value: 'suspended', label: t('停业', 'Suspended') },
            ]}
          />
        </Form.Item>
        <Space wrap>
          <Form.Item name={['staff', 'total']} label={t('员工总数', 'Staff')} rules={[{ required: true }]}>
            <InputNumber min={0} />
          </Form.Item>
          <Form.Item
            name={['staff', 'dataProfessionals']}
            label={t('数据专业人员', 'Data professionals')}
            rules={[{ required: true }]}
          >
            <InputNumber min={0} />
          </Form.Item>
          <Form.Item name={['staff', 'securityStaff']} label={t('安全管理人员', 'Security staff')}>
            <InputNumber min={0} />
          </Form.Item>
        </Space>
        <Form.Item
          name="serviceCapability"
          label={t('服务能力说明', 'Service capability')}
          rules={[{ required: true }]}
        >
          <Input.TextArea rows={3} />
        </Form.Item>
        <Card size="small" title={t('应用场景', 'Application scenario')} style={{ marginBottom: 16 }}>
          <Form.Item
            name={['scenarios', 0, 'title']}
            label={t('场景名称', 'Title')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name={['scenarios', 0, 'description']}
            label={t('场景描述', 'Description')}
            rules={[{ required: true }]}
          >
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item
            name={['scenarios', 0, 'expectedValue']}
            label={t('预期价值', 'Expected value')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
        </Card>
        {docs.length > 0 && (
          <Card size="small" title={t('申报材料', 'Documents')} style={{ marginBottom: 16 }}>
            {docs.map((d, i) => (
              <Form.Item
                key={d.code}
                name={['documentRefs', i]}
                label={`${d.name}（${t('文件位置', 'file reference')}）`}
                rules={[{ required: d.mandatory }]}
              >
                <Input placeholder="uploads/…" />
              </Form.Item>
            ))}
          </Card>
        )}
        <fieldset style={{ border: 0, padding: 0 }}>
          <legend style={{ fontSize: 14 }}>{t('承诺（第九条）', 'Declarations (Art. 9)')}</legend>
          {DECLARATIONS.map(([k, zh, en]) => (
            <Form.Item key={k} name={['declarations', k]} valuePropName="checked" style={{ marginBottom: 4 }}>
              <Checkbox>{t(zh, en)}</Checkbox>
            </Form.Item>
          ))}
        </fieldset>
        <ErrorAlert error={submit.error} />
        <Button type="primary" htmlType="submit" loading={submit.isPending} style={{ marginTop: 16 }}>
          {t('提交申请', 'Submit application')}
        </Button>
      </Form>
    </>
  );
};

const Applications = () => {
  const { t } = useI18n();
  const label = useLabel();
  const q = usePagedList<Application>(['applications'], (query) =>
    api.GET('/applications', { params: { query: query as never } }),
  );
  return (
    <ListPage
      heading={t('我的申请', 'My applications')}
      extra={<Link to="/announcements">{t('查看公告并申请', 'Announcements to apply to')}</Link>}
      list={q}
      columns={[
        {
          title: t('公告', 'Announcement'),
          render: (_, a) => <Link to={`/operator/applications/${a.id}`}>{a.plan.announcementTitle}</Link>,
        },
        {
          title: t('状态', 'Status'),
          render: (_, a) => <Tag>{label('applicationStatuses', a.status)}</Tag>,
        },
        {
          title: t('当前环节', 'Current step'),
          render: (_, a) => label('applicationSteps', a.currentStep),
        },
        { title: t('提交时间', 'Submitted'), render: (_, a) => <Time value={a.createdAt} /> },
      ]}
    />
  );
};

/** The application's steps as a timeline, from its history (whatever steps the workflow has). */
export const ApplicationTimeline = ({ id }: { id: string }) => {
  const { t } = useI18n();
  const label = useLabel();
  const q = useQuery({
    queryKey: ['applications', id],
    queryFn: () => unwrap<Application>(api.GET('/applications/{id}', { params: { path: { id } } })),
    refetchInterval: 5000,
  });
  if (q.isLoading) return <Loading />;
  if (!q.data) return <ErrorAlert error={q.error} />;
  const a = q.data;
  return (
    <>
      <Descriptions bordered size="small" column={1} style={{ marginBottom: 24 }}>
        <Descriptions.Item label={t('状态', 'Status')}>
          <span data-testid="application-status">{label('applicationStatuses', a.status)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('当前环节', 'Current step')}>
          {label('applicationSteps', a.currentStep)}
        </Descriptions.Item>
        {a.result && (
          <Descriptions.Item label={t('专家评审平均分', 'Experts’ average')}>
            {a.result.average.toFixed(1)} / {a.result.passMark}
          </Descriptions.Item>
        )}
        {a.rejection && (
          <Descriptions.Item label={t('未通过原因', 'Rejection')}>
            {label('applicationSteps', a.rejection.step)}：{a.rejection.reason}
          </Descriptions.Item>
        )}
        {a.grantId && (
          <Descriptions.Item label={t('授权协议', 'Agreement')}>
            <Link to="/operator/grants">{a.grantId}</Link>
          </Descriptions.Item>
        )}
      </Descriptions>
      <h2 style={{ fontSize: 18 }}>{t('办理进度', 'Progress')}</h2>
      <Timeline
        items={a.history.map((h) => ({
          key: h.key,
          color: h.decision === 'reject' ? 'red' : 'green',
          children: (
            <>
              <strong>{label('applicationSteps', h.step)}</strong> · {h.action}
              {h.decision &&
                ` · ${h.decision === 'approve' ? t('通过', 'approved') : t('未通过', 'rejected')}`}
              {h.reason && ` · ${h.reason}`}
              <div>
                <Time value={h.at} />
              </div>
            </>
          ),
        }))}
      />
    </>
  );
};

const ApplicationPage = () => {
  const { id = '' } = useParams();
  const { t } = useI18n();
  return (
    <>
      <PageTitle extra={<Link to="/operator/applications">{t('返回列表', 'Back')}</Link>}>
        {t('申请详情', 'Application')}
      </PageTitle>
      <ApplicationTimeline id={id} />
    </>
  );
};

const Grants = () => {
  const { t } = useI18n();
  const q = useGrants();
  return (
    <>
      <PageTitle>{t('授权协议', 'Agreements')}</PageTitle>
      <GrantsTable list={q} actions={(g) => <GrantActions grant={g} />} />
    </>
  );
};

interface Demand {
  id: string;
  grantId: string;
  status: string;
  entries: string[];
  scenario: { title: string };
  createdAt: string;
}

const Demands = () => {
  const { t } = useI18n();
  const label = useLabel();
  const [form] = Form.useForm();
  const q = usePagedList<Demand>(['demands'], (query) =>
    api.GET('/demands', { params: { query: query as never } }),
  );
  const grants = useGrants();
  type Body = paths['/demands']['post']['requestBody']['content']['application/json'];
  const create = useAction(
    (b: Body, key: string) => unwrap(api.POST('/demands', { body: b, headers: idem(key) })),
    {
      form,
      invalidate: [['demands']],
      onSuccess: () => form.resetFields(),
    },
  );
  const active = grants.items.filter((g) => g.status === 'active');
  const grantId = Form.useWatch('grantId', form) as string | undefined;
  const scope = active.find((g) => g.id === grantId)?.scope ?? [];
  return (
    <>
      <PageTitle>{t('数据需求', 'Data demands')}</PageTitle>
      <ListTable
        list={q}
        columns={[
          { title: t('场景', 'Scenario'), render: (_, d) => d.scenario.title },
          { title: t('目录数', 'Entries'), render: (_, d) => d.entries.length },
          { title: t('状态', 'Status'), render: (_, d) => <Tag>{label('demandStatuses', d.status)}</Tag> },
          { title: t('提出时间', 'Filed'), render: (_, d) => <Time value={d.createdAt} /> },
        ]}
      />
      <Card
        title={
          <h2 style={{ fontSize: 16, margin: 0 }}>
            {t('提出数据需求（第十六条）', 'File a data demand (Art. 16)')}
          </h2>
        }
        style={{ marginTop: 24, maxWidth: 720 }}
      >
        <Form
          form={form}
          layout="vertical"
          onFinish={(v: {
            grantId: string;
            entries: string[];
            title: string;
            description: string;
            social: string;
            fields: string;
            months: number;
          }) =>
            create.mutate({
              grantId: v.grantId,
              entries: v.entries,
              scenario: {
                title: v.title,
                description: v.description,
                expectedValue: { social: v.social },
                dataFields: (v.fields ?? '').split(/[,，、\s]+/).filter(Boolean),
                durationMonths: v.months,
              },
            } as Body)
          }
        >
          <Form.Item name="grantId" label={t('授权协议', 'Grant')} rules={[{ required: true }]}>
            <Select options={active.map((g) => ({ value: g.id, label: g.id }))} />
          </Form.Item>
          <Form.Item name="entries" label={t('目录', 'Catalog entries')} rules={[{ required: true }]}>
            <Select mode="multiple" options={scope.map((s) => ({ value: s, label: s }))} />
          </Form.Item>
          <Form.Item name="title" label={t('场景名称', 'Scenario')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="description" label={t('场景描述', 'Description')} rules={[{ required: true }]}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item
            name="social"
            label={t('预期社会价值', 'Expected social value')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="fields"
            label={t('所需数据字段（逗号分隔）', 'Data fields (comma separated)')}
            rules={[{ required: true }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="months"
            label={t('使用期限（月）', 'Duration (months)')}
            rules={[{ required: true }]}
          >
            <InputNumber min={1} max={24} />
          </Form.Item>
          <ErrorAlert error={create.error} />
          <Button htmlType="submit" type="primary" loading={create.isPending}>
            {t('提交', 'Submit')}
          </Button>
        </Form>
      </Card>
    </>
  );
};

const Entitlements = () => {
  const { t } = useI18n();
  const label = useLabel();
  const q = usePagedList<{
    id: string;
    entryId: string;
    grantId: string;
    status: string;
    validUntil?: string;
  }>(['entitlements'], (query) => api.GET('/entitlements', { params: { query: query as never } }));
  return (
    <ListPage
      heading={t('数据权限', 'Entitlements')}
      list={q}
      columns={[
        {
          title: t('目录', 'Entry'),
          render: (_, e) => <Link to={`/catalog/${e.entryId}`}>{e.entryId}</Link>,
        },
        { title: t('授权协议', 'Grant'), dataIndex: 'grantId' },
        {
          title: t('状态', 'Status'),
          render: (_, e) => <Tag>{label('entitlementStatuses', e.status)}</Tag>,
        },
        { title: t('有效期至', 'Valid until'), render: (_, e) => <Time value={e.validUntil} /> },
      ]}
    />
  );
};

export const GovernanceList = ({ canCreate }: { canCreate: boolean }) => {
  const { t } = useI18n();
  const label = useLabel();
  const [form] = Form.useForm();
  const q = usePagedList<GovernanceRequest>(['governance'], (query) =>
    api.GET('/governance-requests', { params: { query: query as never } }),
  );
  type Body = paths['/governance-requests']['post']['requestBody']['content']['application/json'];
  const create = useAction(
    (b: Body, key: string) => unwrap(api.POST('/governance-requests', { body: b, headers: idem(key) })),
    {
      form,
      invalidate: [['governance']],
      onSuccess: () => form.resetFields(),
    },
  );
  return (
    <>
      <PageTitle>{t('数据治理请求（第十一条）', 'Data governance requests (Art. 11)')}</PageTitle>
      <ListTable
        list={q}
        columns={[
          { title: t('目录', 'Entry'), dataIndex: 'entryId' },
          { title: t('问题类型', 'Kind'), render: (_, g) => label('governanceProblemKinds', g.kind) },
          { title: t('描述', 'Description'), dataIndex: 'description' },
          {
            title: t('状态', 'Status'),
            render: (_, g) => (
              <>
                <Tag data-testid="governance-status">{label('governanceStatuses', g.status)}</Tag>
                {g.overdue && <Tag color="red">{t('逾期', 'Overdue')}</Tag>}
              </>
            ),
          },
          { title: t('答复', 'Response'), render: (_, g) => g.response ?? '—' },
          { title: t('提出时间', 'Raised'), render: (_, g) => <Time value={g.createdAt} /> },
          { title: t('操作', 'Actions'), render: (_, g) => <GovernanceActions request={g} /> },
        ]}
      />
      {canCreate && (
        <Card
          title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('提出治理请求', 'Raise a request')}</h2>}
          style={{ marginTop: 24, maxWidth: 720 }}
        >
          <Form form={form} layout="vertical" onFinish={(v: Body) => create.mutate(v)}>
            <Form.Item name="entryId" label={t('目录编号', 'Catalog entry id')} rules={[{ required: true }]}>
              <Input />
            </Form.Item>
            <Form.Item name="kind" label={t('问题类型', 'Kind')} rules={[{ required: true }]}>
              <FormSelect
                options={['missing', 'inaccurate', 'outdated', 'inconsistent', 'format', 'other'].map(
                  (k) => ({
                    value: k,
                    label: label('governanceProblemKinds', k),
                  }),
                )}
              />
            </Form.Item>
            <Form.Item name="description" label={t('问题描述', 'Description')} rules={[{ required: true }]}>
              <Input.TextArea rows={3} />
            </Form.Item>
            <ErrorAlert error={create.error} />
            <Button htmlType="submit" type="primary" loading={create.isPending}>
              {t('提交', 'Submit')}
            </Button>
          </Form>
        </Card>
      )}
    </>
  );
};

export default function OperatorPages() {
  return (
    <Routes>
      <Route path="apply/:announcementId" element={<Apply />} />
      <Route path="applications" element={<Applications />} />
      <Route path="applications/:id" element={<ApplicationPage />} />
      <Route path="grants" element={<Grants />} />
      <Route path="demands" element={<Demands />} />
      <Route path="entitlements" element={<Entitlements />} />
      <Route path="governance" element={<GovernanceList canCreate />} />
      <Route path="*" element={<Applications />} />
    </Routes>
  );
}
