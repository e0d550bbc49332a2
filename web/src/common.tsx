/** Shared pieces of every page: code labels, CST times, API errors, 409 handling, role guards. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, type FormInstance, Spin } from 'antd';
import { type ReactNode, useRef, useState } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { ApiError, api, newIdempotencyKey, unwrap } from './api/client';
import { type Role, useAuth } from './auth';
import { useI18n } from './i18n';
import { formatTime } from './time';

export interface Code {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
}
export type Codes = Record<string, Code[]>;

/** The code lists with their Chinese and English labels (GET /meta/codes), fetched once. */
export const useCodes = () =>
  useQuery({
    queryKey: ['codes'],
    queryFn: () => unwrap<Codes>(api.GET('/meta/codes')),
    staleTime: Number.POSITIVE_INFINITY,
  });

/** A code's label in the current language (the code itself when unknown). */
export const useLabel = () => {
  const { data } = useCodes();
  const { lang } = useI18n();
  return (list: string, code: unknown): string => {
    const c = data?.[list]?.find((x) => x.code === code);
    return c ? c[lang] : code == null ? '—' : String(code);
  };
};

export const Time = ({ value, date }: { value: unknown; date?: boolean }) => {
  const { lang } = useI18n();
  const text = formatTime(value, lang, !date);
  return typeof value === 'string' ? <time dateTime={value}>{text}</time> : text;
};

export const Loading = () => {
  const { t } = useI18n();
  return (
    <div role="status" style={{ padding: 48, textAlign: 'center' }}>
      <Spin />
      <span style={{ marginLeft: 8 }}>{t('加载中…', 'Loading…')}</span>
    </div>
  );
};

/** An error reply as a message; a 409 says someone changed the record and offers to reload it. */
export const ErrorAlert = ({ error, onReload }: { error: unknown; onReload?: () => void }) => {
  const { t } = useI18n();
  if (!error) return null;
  if (error instanceof ApiError && error.conflict)
    return (
      <Alert
        type="warning"
        showIcon
        role="alert"
        message={t(
          '记录已被他人修改或当前状态不允许此操作',
          'The record changed meanwhile, or its state forbids this',
        )}
        description={
          <>
            <div>{error.message}</div>
            {onReload && (
              <Button size="small" onClick={onReload} style={{ marginTop: 8 }}>
                {t('重新加载', 'Reload')}
              </Button>
            )}
          </>
        }
      />
    );
  const message =
    error instanceof ApiError
      ? error.status === 403
        ? t('无权执行此操作', 'You are not allowed to do this')
        : error.message
      : String((error as Error)?.message ?? error);
  return <Alert type="error" showIcon role="alert" message={message} />;
};

/** Field issues (`body.a.0.b`) → antd form fields (['a', 0, 'b']), shown in place. */
export const showFieldErrors = (form: FormInstance | undefined, error: unknown): boolean => {
  if (!form || !(error instanceof ApiError) || !error.details.length) return false;
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
  for (const d of error.details) {
    const name = d.path
      .replace(/^body\.?/, '')
      .split('.')
      .filter(Boolean)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    if (!name.length) continue;
    const key = name.join('.');
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(d.message);
    byField.set(key, entry);
  }
  form.setFields([...byField.values()]);
  return byField.size > 0;
};

/**
 * A state-changing action: one Idempotency-Key per user action (a retry of the same action reuses it,
 * a success starts a new one), the affected queries refreshed on success, field errors shown on the form.
 */
export const useAction = <V,>(
  run: (vars: V, idempotencyKey: string) => Promise<unknown>,
  opts: { invalidate?: unknown[][]; form?: FormInstance; onSuccess?: (data: unknown) => void } = {},
) => {
  const key = useRef(newIdempotencyKey());
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (vars: V) => run(vars, key.current),
    onSuccess: async (data) => {
      key.current = newIdempotencyKey();
      await Promise.all((opts.invalidate ?? []).map((k) => qc.invalidateQueries({ queryKey: k })));
      opts.onSuccess?.(data);
    },
    onError: (e) => {
      showFieldErrors(opts.form, e);
      if (e instanceof ApiError && e.conflict) key.current = newIdempotencyKey();
    },
  });
};

export const idem = (key: string) => ({ 'Idempotency-Key': key });

/** Pages of one role area: anonymous visitors sign in first; other roles are told they may not enter. */
export const RequireRole = ({ roles, children }: { roles: readonly Role[]; children: ReactNode }) => {
  const { session } = useAuth();
  const { t } = useI18n();
  const loc = useLocation();
  if (!session)
    return <Navigate to={`/signin?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  if (!session.user.roles.some((r) => roles.includes(r)))
    return (
      <div role="alert" style={{ padding: 32 }}>
        <h1 style={{ fontSize: 22 }}>{t('无权访问', 'Not allowed')}</h1>
        <p>{t('当前用户的角色不能访问此页面。', 'Your role may not open this page.')}</p>
        <Link to="/">{t('返回首页', 'Home')}</Link>
      </div>
    );
  return <>{children}</>;
};

export const PageTitle = ({ children, extra }: { children: ReactNode; extra?: ReactNode }) => (
  <div style={{ display: 'flex', alignItems: 'center', gap: 12, flexWrap: 'wrap', marginBottom: 16 }}>
    <h1 style={{ fontSize: 22, margin: 0, flex: 1 }}>{children}</h1>
    {extra}
  </div>
);

export const useToggle = (initial = false) => {
  const [v, set] = useState(initial);
  return [v, () => set((x) => !x), set] as const;
};
