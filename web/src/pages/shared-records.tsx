/** Records several roles see: grants (sign, suspend, reinstate, terminate by who may). */
import { Button, Input, Modal, Space, Tag } from 'antd';
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
