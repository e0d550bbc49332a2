/** Public pages, no sign-in: catalog search and entries, announcements, authorized operators (公示). */
import { useQuery } from '@tanstack/react-query';
import { Button } from 'antd';
import { useState } from 'react';
import { Link, Route, Routes, useParams, useSearchParams } from 'react-router';
import { api, type Page, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { ErrorAlert, Loading, PageTitle, Time, useCodes, useLabel } from '../common';
import { useI18n } from '../i18n';
// Public pages use plain semantic HTML with antd-like props (no antd List/Select/Descriptions/Card):
// a citizen's phone downloads far less JavaScript (npm run bench).
import { Card, Descriptions, Empty, Input, List, Select, Space, Tag } from '../light';
import { CardList, usePagedList } from '../paging';
import { Disclosures, ProductPage, Products } from './public-products';

export interface CatalogContent {
  title: string;
  description: string;
  domain: string;
  classification: string;
  openness: string;
  format?: string;
  updateFrequency?: string;
  usageRequirements?: string;
  dataItems: { name: string; description?: string; type?: string; personalInformation?: boolean }[];
  restrictions: { stateSecret: boolean; publicSafety: boolean; closedByLaw: boolean };
}
export interface CatalogItem {
  id: string;
  providerOrg: string;
  providerName?: string;
  authorizable?: boolean;
  version?: number;
  status?: string;
  published?: CatalogContent & { revision: number; approvedAt: string };
  working?: CatalogContent & { status: string; revision: number };
}

type CatalogQuery = {
  domain?: string;
  classification?: string;
  openness?: string;
  provider?: string;
  q?: string;
};

const Home = () => {
  const { t } = useI18n();
  return (
    <>
      <PageTitle>
        {t('十堰市公共数据授权运营平台', 'Shiyan public data authorized operation platform')}
      </PageTitle>
      <p>
        {t(
          '本平台是公共数据授权运营的统一渠道：公布公共数据目录、授权运营公告和被授权运营单位，运营单位在此申请授权、签订协议、提出数据需求。',
          'The one channel of authorized operation: the public data catalog, announcements and authorized operators are published here; operators apply, sign and request data here.',
        )}
      </p>
      <Space wrap>
        <Link to="/catalog">
          <Button type="primary">{t('查询数据目录', 'Search the catalog')}</Button>
        </Link>
        <Link to="/announcements">
          <Button>{t('授权运营公告', 'Announcements')}</Button>
        </Link>
        <Link to="/operators">
          <Button>{t('授权运营单位公示', 'Authorized operators')}</Button>
        </Link>
        <Link to="/products">
          <Button>{t('数据产品公示', 'Data products')}</Button>
        </Link>
        <Link to="/disclosures">
          <Button>{t('年度信息公开', 'Annual disclosure')}</Button>
        </Link>
      </Space>
    </>
  );
};

const CatalogSearch = () => {
  const { t } = useI18n();
  const label = useLabel();
  const codes = useCodes();
  const [params, setParams] = useSearchParams();
  const query: CatalogQuery = Object.fromEntries(
    ['domain', 'classification', 'openness', 'provider', 'q'].flatMap((k) =>
      params.get(k) ? [[k, params.get(k)]] : [],
    ),
  );
  const [text, setText] = useState(query.q ?? '');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const list = useQuery({
    queryKey: ['catalog', 'public', query, cursor],
    queryFn: () =>
      unwrap<Page<CatalogItem>>(
        api.GET('/catalog', {
          params: { query: { ...query, limit: 20, ...(cursor ? { cursor } : {}) } as never },
        }),
      ),
  });
  const set = (k: keyof CatalogQuery, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setCursors([undefined]);
    setParams(next);
  };
  const options = (list: string) =>
    (codes.data?.[list] ?? []).map((c) => ({ value: c.code, label: label(list, c.code) }));
  const providers = new Map<string, string>();
  for (const i of list.data?.items ?? []) providers.set(i.providerOrg, i.providerName ?? i.providerOrg);
  if (query.provider && !providers.has(query.provider)) providers.set(query.provider, query.provider);
  return (
    <>
      <PageTitle>{t('公共数据目录', 'Public data catalog')}</PageTitle>
      <search aria-label={t('目录检索', 'Catalog search')}>
        <Space wrap style={{ marginBottom: 16 }}>
          <Input.Search
            aria-label={t('关键词', 'Keywords')}
            placeholder={t('输入关键词，如 公交', 'Keywords, e.g. bus')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onSearch={(v) => set('q', v.trim() || undefined)}
            enterButton={t('搜索', 'Search')}
            style={{ width: 280 }}
          />
          <Select
            aria-label={t('领域', 'Domain')}
            placeholder={t('领域', 'Domain')}
            allowClear
            value={query.domain}
            onChange={(v) => set('domain', v)}
            options={options('domains')}
            style={{ width: 150 }}
          />
          <Select
            aria-label={t('数据提供单位', 'Provider')}
            placeholder={t('数据提供单位', 'Provider')}
            allowClear
            value={query.provider}
            onChange={(v) => set('provider', v)}
            options={[...providers].map(([value, l]) => ({ value, label: l }))}
            style={{ width: 200 }}
          />
          <Select
            aria-label={t('分级', 'Classification')}
            placeholder={t('分级', 'Classification')}
            allowClear
            value={query.classification}
            onChange={(v) => set('classification', v)}
            options={options('classifications')}
            style={{ width: 140 }}
          />
          <Select
            aria-label={t('开放属性', 'Openness')}
            placeholder={t('开放属性', 'Openness')}
            allowClear
            value={query.openness}
            onChange={(v) => set('openness', v)}
            options={options('openness')}
            style={{ width: 150 }}
          />
        </Space>
      </search>
      <ErrorAlert error={list.error} />
      {list.isLoading ? (
        <Loading />
      ) : (
        <List
          aria-label={t('检索结果', 'Results')}
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: <Empty description={t('没有符合条件的目录', 'No entries match')} /> }}
          renderItem={(e) => (
            <List.Item key={e.id}>
              <List.Item.Meta
                title={<Link to={`/catalog/${e.id}`}>{e.published?.title}</Link>}
                description={
                  <>
                    <div>{e.published?.description}</div>
                    <Space wrap size={4} style={{ marginTop: 4 }}>
                      <Tag color="blue">{label('domains', e.published?.domain)}</Tag>
                      <Tag>{label('classifications', e.published?.classification)}</Tag>
                      <Tag>{label('openness', e.published?.openness)}</Tag>
                      <span>{e.providerName ?? e.providerOrg}</span>
                    </Space>
                  </>
                }
              />
            </List.Item>
          )}
        />
      )}
      <Space style={{ marginTop: 12 }}>
        <Button disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('上一页', 'Previous')}
        </Button>
        <Button
          disabled={!list.data?.nextCursor}
          onClick={() => setCursors((c) => [...c, list.data?.nextCursor ?? undefined])}
        >
          {t('下一页', 'Next')}
        </Button>
      </Space>
    </>
  );
};

export const CatalogEntryView = ({ entry, content }: { entry: CatalogItem; content: CatalogContent }) => {
  const { t } = useI18n();
  const label = useLabel();
  const r = content.restrictions;
  return (
    <>
      <Descriptions bordered column={1} size="small">
        <Descriptions.Item label={t('数据提供单位', 'Provider')}>
          {entry.providerName ?? entry.providerOrg}
        </Descriptions.Item>
        <Descriptions.Item label={t('领域', 'Domain')}>{label('domains', content.domain)}</Descriptions.Item>
        <Descriptions.Item label={t('分级', 'Classification')}>
          {label('classifications', content.classification)}
        </Descriptions.Item>
        <Descriptions.Item label={t('开放属性', 'Openness')}>
          {label('openness', content.openness)}
        </Descriptions.Item>
        <Descriptions.Item label={t('描述', 'Description')}>{content.description}</Descriptions.Item>
        <Descriptions.Item label={t('使用要求', 'Usage requirements')}>
          {content.usageRequirements ?? '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('可否授权运营', 'Authorizable')}>
          {r.stateSecret || r.publicSafety || r.closedByLaw
            ? t(
                '否（第八条：涉及国家秘密、公共安全或依法不予开放）',
                'No (Art. 8: secret, public safety or closed by law)',
              )
            : t('是', 'Yes')}
        </Descriptions.Item>
      </Descriptions>
      <h2 style={{ fontSize: 18, marginTop: 24 }}>{t('数据项', 'Data items')}</h2>
      <List
        size="small"
        bordered
        dataSource={content.dataItems}
        renderItem={(d) => (
          <List.Item key={d.name}>
            <strong>{d.name}</strong>
            <span style={{ marginLeft: 8 }}>{d.description}</span>
            {d.personalInformation && <Tag color="orange">{t('个人信息', 'Personal information')}</Tag>}
          </List.Item>
        )}
      />
    </>
  );
};

const CatalogEntryPage = () => {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const q = useQuery({
    queryKey: ['catalog', 'entry', id],
    queryFn: () => unwrap<CatalogItem>(api.GET('/catalog/{id}', { params: { path: { id } } })),
  });
  if (q.isLoading) return <Loading />;
  if (q.error || !q.data?.published)
    return <ErrorAlert error={q.error ?? new Error(t('未找到', 'Not found'))} />;
  return (
    <>
      <PageTitle extra={<Link to="/catalog">{t('返回目录', 'Back to the catalog')}</Link>}>
        {q.data.published.title}
      </PageTitle>
      <CatalogEntryView entry={q.data} content={q.data.published} />
    </>
  );
};

export interface Announcement {
  id: string;
  year: number;
  title: string;
  mode: string;
  domain: string | null;
  status?: string;
  version?: number;
  scope: string[];
  conditions: { text: string; requiredDocuments: { code: string; name: string; mandatory: boolean }[] };
  window: { opensAt: string; closesAt: string };
  criteria?: { id: string; name: string; weight: number; maxScore: number }[];
  passMark?: number;
}

const isOpen = (a: Announcement) => {
  const now = Date.now();
  return Date.parse(a.window.opensAt) <= now && now < Date.parse(a.window.closesAt);
};

const Announcements = () => {
  const { t } = useI18n();
  const q = usePagedList<Announcement>(['announcements', 'public'], (query) =>
    api.GET('/announcements', { params: { query: query as never } }),
  );
  return (
    <>
      <PageTitle>{t('授权运营公告', 'Announcements')}</PageTitle>
      <CardList
        list={q}
        grid={false}
        empty={t('暂无公告', 'No announcements')}
        card={(a) => (
          <List.Item.Meta
            title={<Link to={`/announcements/${a.id}`}>{a.title}</Link>}
            description={
              <Space wrap>
                <Tag color={isOpen(a) ? '#1d6b12' : 'default'}>
                  {isOpen(a) ? t('申报中', 'Open') : t('未在申报期', 'Closed')}
                </Tag>
                <span>
                  {t('申报期', 'Window')}: <Time value={a.window.opensAt} /> —{' '}
                  <Time value={a.window.closesAt} />
                </span>
              </Space>
            }
          />
        )}
      />
    </>
  );
};

const AnnouncementPage = () => {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const label = useLabel();
  const { session } = useAuth();
  const q = useQuery({
    queryKey: ['announcements', id],
    queryFn: () => unwrap<Announcement>(api.GET('/announcements/{id}', { params: { path: { id } } })),
  });
  if (q.isLoading) return <Loading />;
  if (!q.data) return <ErrorAlert error={q.error} />;
  const a = q.data;
  return (
    <>
      <PageTitle
        extra={
          isOpen(a) &&
          (session?.user.role === 'operator' ? (
            <Link to={`/operator/apply/${a.id}`}>
              <Button type="primary">{t('申请授权', 'Apply')}</Button>
            </Link>
          ) : !session ? (
            <Link to={`/signin?next=/operator/apply/${a.id}`}>
              {t('运营单位登录后申请', 'Operators: sign in to apply')}
            </Link>
          ) : null)
        }
      >
        {a.title}
      </PageTitle>
      <Descriptions bordered column={1} size="small">
        <Descriptions.Item label={t('授权方式', 'Mode')}>
          {a.mode === 'domain'
            ? `${t('分领域授权', 'Domain')} · ${label('domains', a.domain)}`
            : t('综合授权', 'Comprehensive')}
        </Descriptions.Item>
        <Descriptions.Item label={t('申报期', 'Window')}>
          <Time value={a.window.opensAt} /> — <Time value={a.window.closesAt} />
        </Descriptions.Item>
        <Descriptions.Item label={t('申报条件', 'Conditions')}>{a.conditions.text}</Descriptions.Item>
        <Descriptions.Item label={t('申报材料', 'Documents')}>
          {a.conditions.requiredDocuments.map((d) => d.name).join('、') || '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('评审标准', 'Criteria')}>
          {(a.criteria ?? []).map((c) => `${c.name}（${c.weight}%）`).join('；') || '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('合格分数线', 'Pass mark')}>{a.passMark ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('授权范围', 'Scope')}>
          <Space wrap>
            {a.scope.map((s) => (
              <Link key={s} to={`/catalog/${s}`}>
                {s}
              </Link>
            ))}
          </Space>
        </Descriptions.Item>
      </Descriptions>
    </>
  );
};

export interface PublicGrant {
  id: string;
  operatorOrg: string;
  operatorName: string;
  grantorOrg: string;
  grantorName: string | null;
  mode: string;
  domain: string | null;
  scope: string[];
  effectiveFrom: string;
  expiresAt: string;
}

const Operators = () => {
  const { t } = useI18n();
  const label = useLabel();
  const q = usePagedList<PublicGrant>(['public-grants'], (query) =>
    api.GET('/public/grants', { params: { query: query as never } }),
  );
  return (
    <>
      <PageTitle>{t('被授权运营单位公示', 'Authorized operators')}</PageTitle>
      <CardList
        list={q}
        empty={t('暂无被授权运营单位', 'No authorized operators')}
        card={(g) => (
          <Card
            title={<h2 style={{ fontSize: 16, margin: 0 }}>{g.operatorName}</h2>}
            data-testid="public-grant"
          >
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('授权方', 'Grantor')}>
                {g.grantorName ??
                  (g.mode === 'comprehensive'
                    ? t('十堰市政务服务和大数据管理局', 'Data authority')
                    : g.grantorOrg)}
              </Descriptions.Item>
              <Descriptions.Item label={t('授权方式', 'Mode')}>
                {g.mode === 'domain'
                  ? `${t('分领域', 'Domain')} · ${label('domains', g.domain)}`
                  : t('综合授权', 'Comprehensive')}
              </Descriptions.Item>
              <Descriptions.Item label={t('授权范围', 'Scope')}>
                {t(`${g.scope.length} 个目录`, `${g.scope.length} catalog entries`)}
              </Descriptions.Item>
              <Descriptions.Item label={t('授权期限', 'Term')}>
                <Time value={g.effectiveFrom} date /> — <Time value={g.expiresAt} date />
              </Descriptions.Item>
            </Descriptions>
          </Card>
        )}
      />
    </>
  );
};

const NotFound = () => {
  const { t } = useI18n();
  return <PageTitle>{t('页面不存在', 'Page not found')}</PageTitle>;
};

export default function PublicPages() {
  return (
    <Routes>
      <Route index element={<Home />} />
      <Route path="catalog" element={<CatalogSearch />} />
      <Route path="catalog/:id" element={<CatalogEntryPage />} />
      <Route path="announcements" element={<Announcements />} />
      <Route path="announcements/:id" element={<AnnouncementPage />} />
      <Route path="operators" element={<Operators />} />
      <Route path="products" element={<Products />} />
      <Route path="products/:id" element={<ProductPage />} />
      <Route path="disclosures" element={<Disclosures />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
