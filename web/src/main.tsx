import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router';
import { AuthProvider } from './auth';
import { Loading, RequireRole } from './common';
import { I18nProvider, useI18n } from './i18n';
import { Shell } from './shell';

// One chunk per area: a citizen downloads only the public pages; the admin pages load on demand.
const Public = lazy(() => import('./pages/public'));
const SignIn = lazy(() => import('./pages/signin'));
const Operator = lazy(() => import('./pages/operator'));
const Tasks = lazy(() => import('./pages/tasks'));
const Provider = lazy(() => import('./pages/provider'));
const Authority = lazy(() => import('./pages/authority'));
const Regulator = lazy(() => import('./pages/regulator'));
const Notifications = lazy(() => import('./pages/notifications'));

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 10_000 } },
});

const App = () => {
  const { lang } = useI18n();
  return (
    <ConfigProvider
      locale={lang === 'en' ? enUS : zhCN}
      // Darker primary than antd's default blue: 4.5:1 contrast for text links and buttons (WCAG AA).
      theme={{
        token: {
          colorPrimary: '#0b5cad',
          colorLink: '#0b5cad',
          colorTextDescription: 'rgba(0,0,0,0.65)',
          colorTextTertiary: 'rgba(0,0,0,0.65)',
          colorTextPlaceholder: 'rgba(0,0,0,0.55)',
        },
      }}
    >
      <BrowserRouter>
        <Shell>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/signin/*" element={<SignIn />} />
              <Route
                path="/operator/*"
                element={
                  <RequireRole roles={['operator']}>
                    <Operator />
                  </RequireRole>
                }
              />
              <Route
                path="/tasks/*"
                element={
                  <RequireRole roles={['authority', 'provider', 'expert', 'government']}>
                    <Tasks />
                  </RequireRole>
                }
              />
              <Route
                path="/provider/*"
                element={
                  <RequireRole roles={['provider']}>
                    <Provider />
                  </RequireRole>
                }
              />
              <Route
                path="/authority/*"
                element={
                  <RequireRole roles={['authority', 'regulator']}>
                    <Authority />
                  </RequireRole>
                }
              />
              <Route
                path="/regulator/*"
                element={
                  <RequireRole roles={['regulator']}>
                    <Regulator />
                  </RequireRole>
                }
              />
              <Route
                path="/notifications"
                element={
                  <RequireRole
                    roles={['authority', 'provider', 'operator', 'expert', 'government', 'regulator']}
                  >
                    <Notifications />
                  </RequireRole>
                }
              />
              <Route path="/*" element={<Public />} />
            </Routes>
          </Suspense>
        </Shell>
      </BrowserRouter>
    </ConfigProvider>
  );
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <AuthProvider>
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </AuthProvider>
    </I18nProvider>
  </StrictMode>,
);
