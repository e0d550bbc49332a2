/** Sign-in: the stage's identity provider (OIDC + PKCE) in AWS; locally, a demo person. */
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, List, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { Route, Routes, useNavigate, useSearchParams } from 'react-router';
import {
  type DemoUser,
  loadOidcConfig,
  localDemoUsers,
  localSignIn,
  oidcCallback,
  oidcRedirect,
  useAuth,
} from '../auth';
import { Loading, PageTitle } from '../common';
import { useI18n } from '../i18n';
import { ROLE_MENU } from '../shell';

const ROLE_LABEL: Record<string, [string, string]> = {
  authority: ['数据主管部门', 'Data authority'],
  provider: ['数据提供单位', 'Data provider'],
  operator: ['运营单位', 'Operator'],
  expert: ['评审专家', 'Expert'],
  government: ['市人民政府', 'City government'],
  regulator: ['监管部门', 'Regulator'],
};

const landing = (role: string) => ROLE_MENU[role as keyof typeof ROLE_MENU]?.[0]?.to ?? '/';

const SignInPage = () => {
  const { t, lang } = useI18n();
  const { signIn } = useAuth();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next');
  const [error, setError] = useState<string>();
  const oidc = useQuery({
    queryKey: ['oidc-config'],
    queryFn: loadOidcConfig,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const users = useQuery({
    queryKey: ['demo-users'],
    queryFn: localDemoUsers,
    enabled: oidc.isSuccess && !oidc.data,
  });
  if (oidc.isLoading) return <Loading />;
  if (oidc.data)
    return (
      <>
        <PageTitle>{t('登录', 'Sign in')}</PageTitle>
        <Button type="primary" onClick={() => oidcRedirect(oidc.data!, next ?? '/')}>
          {t('使用统一身份认证登录', 'Sign in with the identity provider')}
        </Button>
      </>
    );
  const choose = async (u: DemoUser) => {
    try {
      signIn(await localSignIn(u));
      nav(next?.startsWith('/') ? next : landing(u.role), { replace: true });
    } catch (e) {
      setError(String((e as Error).message));
    }
  };
  return (
    <>
      <PageTitle>{t('登录（本地演示）', 'Sign in (local demo)')}</PageTitle>
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        message={t(
          '本地运行：选择一位演示用户，由本地签发方签发令牌。',
          'Local runtime: pick a demo person; the local issuer signs their token.',
        )}
      />
      {error && <Alert type="error" role="alert" message={error} />}
      {users.isLoading ? (
        <Loading />
      ) : (
        <List
          bordered
          dataSource={users.data ?? []}
          renderItem={(u) => (
            <List.Item
              key={u.id}
              actions={[
                <Button
                  key="go"
                  type="primary"
                  onClick={() => choose(u)}
                  aria-label={`${t('登录为', 'Sign in as')} ${u.name[lang]}`}
                >
                  {t('登录', 'Sign in')}
                </Button>,
              ]}
            >
              <List.Item.Meta
                title={u.name[lang]}
                description={
                  <>
                    <Tag>{ROLE_LABEL[u.role]?.[lang === 'en' ? 1 : 0] ?? u.role}</Tag>
                    {u.orgName} · {u.org}
                  </>
                }
              />
            </List.Item>
          )}
        />
      )}
    </>
  );
};

const Callback = () => {
  const { t } = useI18n();
  const { signIn } = useAuth();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string>();
  useEffect(() => {
    loadOidcConfig()
      .then((c) => {
        if (!c) throw new Error('No identity provider configured');
        return oidcCallback(c, params);
      })
      .then(({ session, returnTo }) => {
        signIn(session);
        nav(returnTo.startsWith('/') && returnTo !== '/' ? returnTo : landing(session.user.role), {
          replace: true,
        });
      })
      .catch((e: Error) => setError(e.message));
  }, [params, signIn, nav]);
  return error ? (
    <Alert type="error" role="alert" message={`${t('登录失败', 'Sign-in failed')}: ${error}`} />
  ) : (
    <Loading />
  );
};

export default function SignInPages() {
  return (
    <Routes>
      <Route index element={<SignInPage />} />
      <Route path="callback" element={<Callback />} />
    </Routes>
  );
}
