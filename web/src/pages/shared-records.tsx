/** Records several roles see: grants (sign, suspend, reinstate, terminate by who may). */
import { useQueryClient } from '@tanstack/react-query';
import { Button, Input, InputNumber, Modal, Space, Tag } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { ErrorAlert, idem, Time, useAction, useLabel } from '../common';
import { useI18n } from '../i18n';
import { ListTable, type PagedList, usePagedList } from '../list';

export interface Grant {
  id: string;
  operatorOrg: string;
  operatorName?: string;
  grantorOrg: string;
  grantorName?: string | null;
  status: string;
  mode: string;
  scope: string[];
  signatures: Partial<Record<'grantor' | 'operator', { at: string }>>;
  effectiveFrom?: string;
  expiresAt?: string;
  version: number;
}

/** The grants the caller may see, paged (GET /grants). */
export const useGrants = () =>
  usePagedList<Grant>(['grants'], (query) => api.GET('/grants', { params: { query: query as never } }));

export const GrantsTable = ({
  list,
  actions,
}: {
  list: PagedList<Grant>;
  actions?: (g: Grant) => React.ReactNode;
}) => {
  const { t } = useI18n();
  const label = useLabel();
  return (
    <ListTable
      list={list}
      columns={[
        { title: t('运营单位', 'Operator'), render: (_, g) => g.operatorName ?? g.operatorOrg },
        { title: t('授权方', 'Grantor'), render: (_, g) => g.grantorName ?? g.grantorOrg },
        {
          title: t('状态', 'Status'),
          render: (_, g) => <Tag data-testid="grant-status">{label('grantStatuses', g.status)}</Tag>,
        },
        {
          title: t('签署', 'Signatures'),
          render: (_, g) =>
            `${t('授权方', 'Grantor')}${g.signatures.grantor ? '✓' : '—'} ${t('运营单位', 'Operator')}${g.signatures.operator ? '✓' : '—'}`,
        },
        {
          title: t('期限', 'Term'),
          render: (_, g) =>
            g.effectiveFrom ? (
              <>
                <Time value={g.effectiveFrom} date /> — <Time value={g.expiresAt} date />
              </>
            ) : (
              '—'
            ),
        },
        ...(actions ? [{ title: t('操作', 'Actions'), render: (_: unknown, g: Grant) => actions(g) }] : []),
      ]}
    />
  );
};

type GrantOp = 'sign' | 'suspend' | 'reinstate' | 'terminate';

/** The actions the signed-in party may take on a grant; the API enforces who may, and when. */
export const GrantActions = ({ grant }: { grant: Grant }) => {
  const { t } = useI18n();
  const { session } = useAuth();
  const [reasonFor, setReasonFor] = useState<GrantOp>();
  const [reason, setReason] = useState('');
  const act = useAction(
    ({ op, reason }: { op: GrantOp; reason?: string }, key: string) => {
      const opts = { params: { path: { id: grant.id } }, headers: idem(key) };
      const body = { version: grant.version, ...(reason ? { reason } : {}) };
      if (op === 'sign') return unwrap(api.POST('/grants/{id}/sign', { ...opts, body }));
      if (op === 'suspend')
        return unwrap(api.POST('/grants/{id}/suspend', { ...opts, body: body as { reason: string } }));
      if (op === 'reinstate') return unwrap(api.POST('/grants/{id}/reinstate', { ...opts, body }));
      return unwrap(api.POST('/grants/{id}/terminate', { ...opts, body: body as { reason: string } }));
    },
    { invalidate: [['grants']], onSuccess: () => setReasonFor(undefined) },
  );
  const role = session?.user.role;
  const party =
    session?.user.org === grant.operatorOrg
      ? 'operator'
      : session?.user.org === grant.grantorOrg
        ? 'grantor'
        : undefined;
  const manage = role === 'authority' || (role === 'provider' && party === 'grantor');
  const labels: Record<GrantOp, string> = {
    sign: t('签署协议', 'Sign'),
    suspend: t('暂停', 'Suspend'),
    reinstate: t('恢复', 'Reinstate'),
    terminate: t('终止', 'Terminate'),
  };
  return (
    <Space wrap>
      {grant.status === 'signing' && party && !grant.signatures[party] && (
        <Button type="primary" loading={act.isPending} onClick={() => act.mutate({ op: 'sign' })}>
          {labels.sign}
        </Button>
      )}
      {manage && grant.status === 'active' && (
        <Button onClick={() => setReasonFor('suspend')}>{labels.suspend}</Button>
      )}
      {manage && grant.status === 'suspended' && (
        <Button onClick={() => setReasonFor('reinstate')}>{labels.reinstate}</Button>
      )}
      {manage && ['active', 'suspended', 'signing'].includes(grant.status) && (
        <Button danger onClick={() => setReasonFor('terminate')}>
          {labels.terminate}
        </Button>
      )}
      <ErrorAlert error={act.error} onReload={() => act.reset()} />
      <Modal
        open={!!reasonFor}
        title={reasonFor ? labels[reasonFor] : ''}
        onCancel={() => setReasonFor(undefined)}
        onOk={() => reasonFor && act.mutate({ op: reasonFor, reason: reason.trim() || undefined })}
        confirmLoading={act.isPending}
      >
        <label htmlFor="grant-reason">{t('理由', 'Reason')}</label>
        <Input.TextArea
          id="grant-reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          rows={3}
        />
      </Modal>
    </Space>
  );
};

export interface GovernanceRequest {
  id: string;
  operatorOrg: string;
  providerOrg: string;
  entryId: string;
  entryTitle?: string;
  kind: string;
  status: string;
  description: string;
  deadline?: string;
  response?: string;
  overdue?: boolean;
  createdAt: string;
  version: number;
}

type GovernanceOp = 'forward' | 'respond' | 'confirm' | 'reopen';

/**
 * The step the signed-in party may take on a governance request (Art. 11.1): the authority forwards a
 * reported problem to the provider with a deadline; the provider answers; the operator confirms the
 * resolution or reopens it. The API enforces who may, and when; each sends the version and a key.
 */
export const GovernanceActions = ({ request: r }: { request: GovernanceRequest }) => {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { session } = useAuth();
  const [op, setOp] = useState<GovernanceOp>();
  const [text, setText] = useState('');
  const [days, setDays] = useState<number | null>(10);
  const act = useAction(
    ({ op, text, days }: { op: GovernanceOp; text: string; days: number | null }, key: string) => {
      const opts = { params: { path: { id: r.id } }, headers: idem(key) };
      const note = text.trim();
      if (op === 'forward')
        return unwrap(
          api.POST('/governance-requests/{id}/forward', {
            ...opts,
            body: { deadlineDays: days ?? 0, ...(note ? { note } : {}), version: r.version },
          }),
        );
      if (op === 'respond')
        return unwrap(
          api.POST('/governance-requests/{id}/respond', {
            ...opts,
            body: { response: note, version: r.version },
          }),
        );
      if (op === 'confirm')
        return unwrap(
          api.POST('/governance-requests/{id}/confirm', {
            ...opts,
            body: { ...(note ? { note } : {}), version: r.version },
          }),
        );
      return unwrap(
        api.POST('/governance-requests/{id}/reopen', { ...opts, body: { reason: note, version: r.version } }),
      );
    },
    {
      invalidate: [['governance']],
      onSuccess: () => {
        setOp(undefined);
        setText('');
      },
    },
  );
  const role = session?.user.role;
  const org = session?.user.org;
  const labels: Record<GovernanceOp, string> = {
    forward: t('转办', 'Forward'),
    respond: t('答复', 'Respond'),
    confirm: t('确认解决', 'Confirm'),
    reopen: t('重新打开', 'Reopen'),
  };
  const textLabel: Record<GovernanceOp, string> = {
    forward: t('转办说明（可选）', 'Note (optional)'),
    respond: t('处理结果', 'Resolution'),
    confirm: t('确认意见（可选）', 'Note (optional)'),
    reopen: t('重新打开理由', 'Reason'),
  };
  const offered: GovernanceOp[] = [
    ...(role === 'authority' && r.status === 'reported' ? (['forward'] as const) : []),
    ...(role === 'provider' && org === r.providerOrg && r.status === 'forwarded'
      ? (['respond'] as const)
      : []),
    ...(role === 'operator' && org === r.operatorOrg && r.status === 'resolved'
      ? (['confirm', 'reopen'] as const)
      : []),
  ];
  if (!offered.length) return null;
  const open = (o: GovernanceOp) => {
    act.reset();
    setText('');
    setOp(o);
  };
  return (
    <Space wrap>
      {offered.map((o) => (
        <Button key={o} size="small" onClick={() => open(o)}>
          {labels[o]}
        </Button>
      ))}
      <Modal
        open={!!op}
        title={op ? labels[op] : ''}
        okText={t('提交', 'Submit')}
        cancelText={t('取消', 'Cancel')}
        onCancel={() => setOp(undefined)}
        onOk={() => op && act.mutate({ op, text, days })}
        confirmLoading={act.isPending}
      >
        <p>{r.entryTitle ?? r.entryId}</p>
        {op === 'forward' && (
          <div style={{ marginBottom: 12 }}>
            <label htmlFor={`gov-days-${r.id}`}>{t('办理时限（天）', 'Deadline (days)')}</label>
            <InputNumber id={`gov-days-${r.id}`} min={1} max={90} value={days} onChange={setDays} />
          </div>
        )}
        {op && (
          <>
            <label htmlFor={`gov-text-${r.id}`}>{textLabel[op]}</label>
            <Input.TextArea
              id={`gov-text-${r.id}`}
              rows={3}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </>
        )}
        <ErrorAlert
          error={act.error}
          onReload={() => {
            // A 409: the request changed meanwhile; the list is read again (with its new version).
            setOp(undefined);
            void qc.invalidateQueries({ queryKey: ['governance'] });
          }}
        />
      </Modal>
    </Space>
  );
};
