/**
 * The reviewers' inbox (authority, providers, experts, government) and one decision form per task
 * kind, rendered from the kind's decision schema (generated at build time from functions/tasks/kinds.ts):
 * a new kind gets its form without code here. Approve/reject unions become a choice; strings text
 * areas; string lists tag inputs; a record of numbers one score per criterion of the task's context.
 */
import { useQuery } from '@tanstack/react-query';
import { Button, Checkbox, Descriptions, Form, Input, InputNumber, Radio, Select, Tag } from 'antd';
import { useState } from 'react';
import { Link, Route, Routes, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { paths } from '../api/generated/schema';
import kinds from '../api/generated/task-kinds.json';
import { ErrorAlert, idem, Loading, PageTitle, Time, useAction } from '../common';
import { FormSelect } from '../form-select';
import { useI18n } from '../i18n';
import { fetchAll, ListTable, usePagedList } from '../list';

interface JsonSchema {
  type?: string;
  const?: unknown;
  default?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

type KindInfo = { label: { zh: string; en: string }; schema: JsonSchema };
const KINDS = kinds as unknown as Record<string, KindInfo>;
const FALLBACK: JsonSchema = KINDS['qualification-review']?.schema ?? {};

export interface Task {
  id: string;
  kind: string;
  title: string;
  status: string;
  dueAt: string;
  overdue: boolean;
  subject: { type: string; id: string };
  context: Record<string, unknown>;
  decision?: string;
  decidedAt?: string;
  version: number;
  createdAt: string;
}

const FIELD_LABELS: Record<string, [string, string]> = {
  comment: ['意见', 'Comment'],
  reason: ['理由', 'Reason'],
  experts: ['评审专家', 'Experts'],
  scores: ['评分', 'Scores'],
  decision: ['结论', 'Decision'],
};

export const useKindLabel = () => {
  const { lang } = useI18n();
  return (kind: string) => KINDS[kind]?.label[lang] ?? kind;
};

const Inbox = () => {
  const { t } = useI18n();
  const kindLabel = useKindLabel();
  const [status, setStatus] = useState<'pending' | 'decided'>('pending');
  // /tasks?subjectId=…: the tasks of one record (e.g. linked from an application).
  const [params] = useSearchParams();
  const subjectId = params.get('subjectId') ?? undefined;
  const q = usePagedList<Task>(
    ['tasks', status, subjectId],
    (query) =>
      api.GET('/tasks', {
        params: { query: { ...query, status, ...(subjectId ? { subjectId } : {}) } as never },
      }),
    { refetchInterval: 5000 },
  );
  return (
    <>
      <PageTitle
        extra={
          <Radio.Group
            value={status}
            onChange={(e) => setStatus(e.target.value)}
            optionType="button"
            aria-label={t('任务状态', 'Task status')}
          >
            <Radio.Button value="pending">{t('待办', 'Pending')}</Radio.Button>
            <Radio.Button value="decided">{t('已办', 'Decided')}</Radio.Button>
          </Radio.Group>
        }
      >
        {t('待办审核', 'Inbox')}
      </PageTitle>
      <ListTable
        list={q}
        columns={[
          { title: t('任务', 'Task'), render: (_, k) => <Link to={`/tasks/${k.id}`}>{k.title}</Link> },
          { title: t('类型', 'Kind'), render: (_, k) => <Tag data-kind={k.kind}>{kindLabel(k.kind)}</Tag> },
          {
            title: t('办理期限', 'Due'),
            render: (_, k) => (
              <>
                <Time value={k.dueAt} />{' '}
                {k.overdue && k.status === 'pending' && <Tag color="red">{t('已逾期', 'Overdue')}</Tag>}
              </>
            ),
          },
          { title: t('收到时间', 'Received'), render: (_, k) => <Time value={k.createdAt} /> },
        ]}
      />
    </>
  );
};

interface PoolExpert {
  userId: string;
  name: string;
  org: string;
  active: boolean;
}

/** The whole expert pool (GET /experts, every cursor page). */
const fetchPool = async (): Promise<PoolExpert[]> =>
  (await fetchAll<PoolExpert>((paging) => api.GET('/experts', { params: { query: paging as never } }))).items;

/**
 * The panel's experts picked from the authority's pool (Art. 10.3): active experts only; those working
 * for an organisation the task names as conflicted (the applicant, in domain mode the granting provider)
 * are shown disabled. The API checks the panel again. A caller who may not read the pool (a provider
 * organising a domain panel) types user ids instead.
 */
const ExpertPicker = ({
  name,
  label,
  rules,
  context,
}: {
  name: string;
  label: string;
  rules: { required: boolean; message: string }[];
  context: Record<string, unknown>;
}) => {
  const { t } = useI18n();
  const pool = useQuery({ queryKey: ['experts'], queryFn: fetchPool, retry: false });
  const conflicts = new Set(
    Array.isArray(context.expertConflicts)
      ? context.expertConflicts.filter((o) => typeof o === 'string')
      : [],
  );
  if (pool.isLoading) return <Loading />;
  if (pool.error)
    return (
      <Form.Item
        name={name}
        label={label}
        rules={rules}
        extra={t('输入专家用户标识后按回车添加', 'Type an expert user id and press Enter')}
      >
        <FormSelect mode="tags" open={false} aria-label={label} suffixIcon={null} />
      </Form.Item>
    );
  const options = (pool.data ?? [])
    .filter((e) => e.active)
    .map((e) => {
      const conflicted = conflicts.has(e.org);
      return {
        value: e.userId,
        label: conflicted
          ? t(`${e.name}（${e.userId}）· 回避：与申请方同单位`, `${e.name} (${e.userId}) · conflicted`)
          : `${e.name}（${e.userId}）`,
        disabled: conflicted,
      };
    });
  return (
    <Form.Item
      name={name}
      label={label}
      rules={rules}
      extra={t(
        '从专家库选择；与申请单位（或分领域授权单位）同单位的专家须回避，不可选择',
        'Pick from the pool; experts of the applicant’s (or granting provider’s) organisation are conflicted',
      )}
    >
      <FormSelect mode="multiple" aria-label={label} options={options} optionFilterProp="label" />
    </Form.Item>
  );
};

/** One field of a decision schema as a form control. */
const Field = ({
  name,
  schema,
  required,
  context,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  context: Record<string, unknown>;
}) => {
  const { t } = useI18n();
  const [zh, en] = FIELD_LABELS[name] ?? [name, name];
  const label = t(zh, en);
  const rules = required ? [{ required: true, message: t(`请填写${zh}`, `${en} is required`) }] : [];
  if (schema.type === 'string')
    return (
      <Form.Item name={name} label={label} rules={rules}>
        <Input.TextArea rows={3} maxLength={schema.maxLength} />
      </Form.Item>
    );
  if (schema.type === 'number' || schema.type === 'integer')
    return (
      <Form.Item name={name} label={label} rules={rules}>
        <InputNumber min={schema.minimum} max={schema.maximum} />
      </Form.Item>
    );
  if (schema.type === 'boolean')
    return (
      <Form.Item name={name} valuePropName="checked">
        <Checkbox>{label}</Checkbox>
      </Form.Item>
    );
  if (schema.type === 'array' && name === 'experts')
    return <ExpertPicker name={name} label={label} rules={rules} context={context} />;
  if (schema.type === 'array')
    return (
      <Form.Item
        name={name}
        label={label}
        rules={rules}
        extra={t('输入后按回车添加', 'Type and press Enter to add')}
      >
        <Select mode="tags" open={false} aria-label={label} suffixIcon={null} />
      </Form.Item>
    );
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    // A record keyed by the task's criteria (e.g. scores against the announcement's criteria).
    const criteria = (Array.isArray(context.criteria) ? context.criteria : []) as {
      id: string;
      name: string;
      maxScore?: number;
      weight?: number;
    }[];
    return (
      <fieldset
        style={{ border: '1px solid #d9d9d9', borderRadius: 6, padding: '8px 16px', marginBottom: 16 }}
      >
        <legend style={{ fontSize: 14, width: 'auto', border: 0, padding: '0 4px', margin: 0 }}>
          {label}
        </legend>
        {criteria.map((c) => (
          <Form.Item
            key={c.id}
            name={[name, c.id]}
            label={`${c.name}${c.weight ? `（${t('权重', 'weight')} ${c.weight}%）` : ''}`}
            rules={[{ required: true, message: t('请评分', 'Score required') }]}
          >
            <InputNumber min={0} max={c.maxScore ?? (schema.additionalProperties as JsonSchema).maximum} />
          </Form.Item>
        ))}
      </fieldset>
    );
  }
  return null;
};

/**
 * The decision as native radio buttons in a radiogroup: the form's aria-required/invalid attributes land
 * on an element whose role allows them (antd's Radio.Group renders a plain div).
 */
const Choice = ({
  value,
  onChange,
  options,
  ...aria
}: {
  value?: string;
  onChange?: (v: string) => void;
  options: { value: string; label: string }[];
}) => (
  <div role="radiogroup" {...aria} style={{ display: 'flex', gap: 24 }}>
    {options.map((o) => (
      <label key={o.value} style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
        <input
          type="radio"
          name="decision"
          value={o.value}
          checked={value === o.value}
          onChange={() => onChange?.(o.value)}
        />
        {o.label}
      </label>
    ))}
  </div>
);

/** The decision body of every task kind (one schema per kind in the API document). */
type DecisionBody = paths['/tasks/{id}/decision']['post']['requestBody']['content']['application/json'];

/** The labels of the decision choices of every kind. */
const CHOICE_LABELS: Record<string, [string, string]> = {
  approve: ['通过', 'Approve'],
  reject: ['不通过', 'Reject'],
  suspend: ['暂停授权（Art. 14）', 'Suspend the grant (Art. 14)'],
  dismiss: ['不予处理', 'Dismiss'],
};

/** The decision form of a task, from its kind's schema. */
export const DecisionForm = ({ task, onDone }: { task: Task; onDone: () => void }) => {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const schema = KINDS[task.kind]?.schema ?? FALLBACK;
  const variants = schema.oneOf ?? schema.anyOf;
  // The field that tells the variants apart: `decision` for most kinds, `action` for a credit-listing
  // review (suspend / dismiss): the first property every variant fixes with a const.
  const discriminator =
    Object.keys(variants?.[0]?.properties ?? {}).find((n) =>
      variants?.every((v) => v.properties?.[n]?.const !== undefined),
    ) ?? 'decision';
  const choice = Form.useWatch(discriminator, form) as string | undefined;
  const decide = useAction(
    (body: Record<string, unknown>, key: string) =>
      unwrap(
        api.POST('/tasks/{id}/decision', {
          params: { path: { id: task.id } },
          // A decision is taken once (a second one is a 409): no version to send.
          body: body as DecisionBody,
          headers: idem(key),
        }),
      ),
    { form, invalidate: [['tasks']], onSuccess: onDone },
  );
  const constOf = (s: JsonSchema) => s.properties?.[discriminator]?.const as string | undefined;
  const active = variants ? (variants.find((v) => constOf(v) === choice) ?? undefined) : schema;
  const choiceLabel = (c: string) => {
    const [zh, en] = CHOICE_LABELS[c] ?? [c, c];
    return t(zh, en);
  };
  return (
    <Form
      form={form}
      layout="vertical"
      onFinish={(v: Record<string, unknown>) => decide.mutate(v)}
      style={{ maxWidth: 720 }}
      aria-label={t('审核决定', 'Decision')}
    >
      {variants && (
        <Form.Item
          name={discriminator}
          label={t('结论', 'Decision')}
          rules={[{ required: true, message: t('请选择结论', 'Choose a decision') }]}
        >
          <Choice
            options={variants.map((v) => constOf(v) ?? '').map((c) => ({ value: c, label: choiceLabel(c) }))}
          />
        </Form.Item>
      )}
      {active &&
        Object.entries(active.properties ?? {})
          .filter(([n, s]) => !(n === discriminator && (s.const !== undefined || s.default !== undefined)))
          .map(([n, s]) => (
            <Field
              key={n}
              name={n}
              schema={s}
              required={(active.required ?? []).includes(n)}
              context={task.context}
            />
          ))}
      <ErrorAlert error={decide.error} onReload={onDone} />
      <Button type="primary" htmlType="submit" loading={decide.isPending} style={{ marginTop: 8 }}>
        {t('提交决定', 'Submit decision')}
      </Button>
    </Form>
  );
};

const CONTEXT_HIDDEN = new Set(['criteria']);
/** Labels of the context fields the workflows and duties put on tasks; others show their key. */
const CONTEXT_LABELS: Record<string, [string, string]> = {
  operatorOrg: ['运营单位代码', 'Operator code'],
  operatorName: ['运营单位', 'Operator'],
  applicantOrg: ['申请单位代码', 'Applicant code'],
  applicantName: ['申请单位', 'Applicant'],
  grantId: ['授权编号', 'Grant'],
  grantStatus: ['授权状态', 'Grant status'],
  demandId: ['数据需求编号', 'Data demand'],
  applicationId: ['申请编号', 'Application'],
  announcementId: ['公告编号', 'Announcement'],
  submittedBy: ['提交人', 'Submitted by'],
  matchedBy: ['匹配方式', 'Matched by'],
  source: ['名单来源', 'List source'],
  list: ['名单类别', 'List'],
  listedAt: ['列入时间', 'Listed at'],
  entryId: ['名单条目', 'List entry'],
};
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

const TaskPage = () => {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const nav = useNavigate();
  const kindLabel = useKindLabel();
  const q = useQuery({
    queryKey: ['tasks', 'one', id],
    queryFn: () => unwrap<Task>(api.GET('/tasks/{id}', { params: { path: { id } } })),
  });
  if (q.isLoading) return <Loading />;
  if (!q.data) return <ErrorAlert error={q.error} />;
  const task = q.data;
  return (
    <>
      <PageTitle extra={<Link to="/tasks">{t('返回待办', 'Back to the inbox')}</Link>}>
        {task.title}
      </PageTitle>
      <Descriptions bordered size="small" column={1} style={{ marginBottom: 24 }}>
        <Descriptions.Item label={t('类型', 'Kind')}>{kindLabel(task.kind)}</Descriptions.Item>
        <Descriptions.Item label={t('办理期限', 'Due')}>
          <Time value={task.dueAt} /> {task.overdue && <Tag color="red">{t('已逾期', 'Overdue')}</Tag>}
        </Descriptions.Item>
        <Descriptions.Item label={t('事项', 'Subject')}>
          {task.subject.type} · {task.subject.id}
        </Descriptions.Item>
        {Object.entries(task.context)
          .filter(([k, v]) => !CONTEXT_HIDDEN.has(k) && (typeof v === 'string' || typeof v === 'number'))
          .map(([k, v]) => {
            const [zh, en] = CONTEXT_LABELS[k] ?? [k, k];
            return (
              <Descriptions.Item key={k} label={t(zh, en)}>
                {typeof v === 'string' && ISO_INSTANT.test(v) ? <Time value={v} /> : String(v)}
              </Descriptions.Item>
            );
          })}
      </Descriptions>
      {task.status === 'pending' ? (
        <DecisionForm task={task} onDone={() => nav('/tasks')} />
      ) : (
        <p>
          {t('已办结', 'Decided')}: {task.decision ?? task.status} <Time value={task.decidedAt} />
        </p>
      )}
    </>
  );
};

export default function TaskPages() {
  return (
    <Routes>
      <Route index element={<Inbox />} />
      <Route path=":id" element={<TaskPage />} />
    </Routes>
  );
}
