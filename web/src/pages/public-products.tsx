/**
 * Public pages of data products (Art. 11.2, 12): the registered and noticed products, one product with
 * its prices and free public-interest terms, the objection form while it is on public notice, and the
 * annual disclosure (Art. 13). No sign-in; plain HTML like the other public pages.
 */
import { useQuery } from '@tanstack/react-query';
import { Button } from 'antd';
import { type FormEvent, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { paths } from '../api/generated/schema';
import { ErrorAlert, idem, Loading, PageTitle, Time, useAction, useCodes, useLabel } from '../common';
import { useI18n } from '../i18n';
import { Card, Descriptions, Empty, Select, Space, Tag } from '../light';
import { CardList, usePagedList } from '../paging';

type ProductList = paths['/public/products']['get']['responses']['200']['content']['application/json'];
export type PublicProduct = ProductList['items'][number];
type Disclosure =
  paths['/public/disclosures/{year}']['get']['responses']['200']['content']['application/json'];

/** Fen → yuan text (¥0.10). */
export const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;

const STATUS_COLOR: Record<string, string> = { registered: 'green', 'on-notice': 'blue' };

/** The notice is open while now lies before its end (Art. 12: objections during public notice). */
export const noticeOpen = (p: PublicProduct, now = Date.now()) =>
  !!p.notice?.endsAt && Date.parse(p.notice.endsAt) > now;

export const Products = () => {
  const { t } = useI18n();
  const label = useLabel();
  const [params, setParams] = useSearchParams();
  const form = params.get('form') ?? undefined;
  const codes = useCodes();
  const q = usePagedList<PublicProduct>(['public-products', form], (query) =>
    api.GET('/public/products', { params: { query: { ...query, ...(form ? { form } : {}) } as never } }),
  );
  const { lang } = useI18n();
  return (
    <>
      <PageTitle>{t('数据产品公示', 'Data products')}</PageTitle>
      <Space wrap>
        <Select
          aria-label={t('产品形态', 'Product form')}
          placeholder={t('全部形态', 'All forms')}
          allowClear
          value={form}
          style={{ minWidth: 200 }}
          options={(codes.data?.productForms ?? []).map((c) => ({ value: c.code, label: c[lang] }))}
          onChange={(v) => setParams(v ? { form: v } : {})}
        />
      </Space>
      <CardList
        list={q}
        empty={t('暂无数据产品', 'No data products')}
        card={(p) => (
          <Card
            data-testid="public-product"
            title={
              <h2 style={{ fontSize: 16, margin: 0 }}>
                <Link to={`/products/${p.id}`}>{p.name ?? p.notice?.content?.name?.toString() ?? p.id}</Link>
              </h2>
            }
          >
            <Space wrap>
              <Tag color={STATUS_COLOR[p.status]}>{label('productStatuses', p.status)}</Tag>
              {p.form && <Tag>{label('productForms', p.form)}</Tag>}
              {noticeOpen(p) && <Tag color="blue">{t('公示中', 'On notice')}</Tag>}
            </Space>
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('运营单位', 'Operator')}>{p.operator.name}</Descriptions.Item>
              <Descriptions.Item label={t('登记编号', 'Registration code')}>
                {p.registrationCode ?? '—'}
              </Descriptions.Item>
            </Descriptions>
          </Card>
        )}
      />
    </>
  );
};

const Prices = ({ prices }: { prices: PublicProduct['prices'] }) => {
  const { t } = useI18n();
  const label = useLabel();
  if (!prices.length) return <>—</>;
  return (
    <ul style={{ margin: 0, paddingLeft: 18 }}>
      {prices.flatMap((p) =>
        p.tiers.map((tier, i) => (
          <li key={`${p.unit}-${tier.upTo ?? 'max'}`}>
            {tier.upTo == null
              ? i === 0
                ? ''
                : t('超出部分', 'Beyond')
              : t(`${i === 0 ? '' : '至'}${tier.upTo} 以内`, `up to ${tier.upTo}`)}{' '}
            {yuan(tier.unitPriceFen)} / {label('billingUnits', p.unit)}
          </li>
        )),
      )}
    </ul>
  );
};

/** The objection form (Art. 12 public notice): anyone, no account; reasons required. */
const ObjectionForm = ({ product }: { product: PublicProduct }) => {
  const { t } = useI18n();
  const [reasons, setReasons] = useState('');
  const [name, setName] = useState('');
  const [contact, setContact] = useState('');
  const [filed, setFiled] = useState<string | null>(null);
  const action = useAction(
    (_: undefined, key: string) =>
      unwrap(
        api.POST('/public/products/{id}/objections', {
          params: { path: { id: product.id } },
          headers: idem(key),
          body: {
            reasons,
            ...(name.trim() ? { name: name.trim() } : {}),
            ...(contact.trim() ? { contact: contact.trim() } : {}),
          },
        }),
      ),
    { onSuccess: (d) => setFiled(String((d as { id: string }).id)) },
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (reasons.trim()) action.mutate(undefined);
  };
  if (filed)
    return (
      <div role="status" className="card" data-testid="objection-filed">
        {t(
          `异议已提交（编号 ${filed}），数据主管部门将核查并答复。`,
          `Objection filed (${filed}); the authority will review it.`,
        )}
      </div>
    );
  return (
    <section className="card" aria-labelledby="objection-title">
      <h2 id="objection-title" style={{ fontSize: 18 }}>
        {t('提出异议', 'Object to this product')}
      </h2>
      <p>
        {t(
          '公示期内，任何单位和个人均可对该数据产品提出异议，无需登录。',
          'During the public notice anyone may object, without an account.',
        )}
      </p>
      <form onSubmit={submit} className="plain-form">
        <label htmlFor="objection-reasons">{t('异议理由（必填）', 'Reasons (required)')}</label>
        <textarea
          id="objection-reasons"
          required
          maxLength={4000}
          rows={4}
          value={reasons}
          onChange={(e) => setReasons(e.target.value)}
        />
        <label htmlFor="objection-name">{t('姓名或单位（可选）', 'Name or organisation (optional)')}</label>
        <input id="objection-name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="objection-contact">{t('联系方式（可选）', 'Contact (optional)')}</label>
        <input
          id="objection-contact"
          maxLength={200}
          value={contact}
          onChange={(e) => setContact(e.target.value)}
        />
        <ErrorAlert error={action.error} />
        <div>
          <Button type="primary" htmlType="submit" loading={action.isPending}>
            {t('提交异议', 'File objection')}
          </Button>
        </div>
      </form>
    </section>
  );
};

export const ProductPage = () => {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const label = useLabel();
  const q = useQuery({
    queryKey: ['public-product', id],
    queryFn: () => unwrap<PublicProduct>(api.GET('/public/products/{id}', { params: { path: { id } } })),
  });
  if (q.isLoading) return <Loading />;
  if (!q.data) return <ErrorAlert error={q.error} />;
  const p = q.data;
  // While on notice the version under notice is what the public reads (the product may have no registered version yet).
  const c = (p.notice?.content ?? {}) as Record<string, unknown>;
  const text = (v: string | null, k: string) => v ?? (typeof c[k] === 'string' ? (c[k] as string) : '—');
  return (
    <>
      <PageTitle>{text(p.name, 'name')}</PageTitle>
      <Space wrap>
        <Tag color={STATUS_COLOR[p.status]}>{label('productStatuses', p.status)}</Tag>
        {noticeOpen(p) && <Tag color="blue">{t('公示中', 'On notice')}</Tag>}
      </Space>
      <Card>
        <Descriptions column={1}>
          <Descriptions.Item label={t('运营单位', 'Operator')}>{p.operator.name}</Descriptions.Item>
          <Descriptions.Item label={t('产品形态', 'Form')}>
            {label('productForms', p.form ?? c.form)}
          </Descriptions.Item>
          <Descriptions.Item label={t('产品说明', 'Description')}>
            {text(p.description, 'description')}
          </Descriptions.Item>
          <Descriptions.Item label={t('登记编号', 'Registration code')}>
            {p.registrationCode ?? '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('登记时间', 'Registered')}>
            <Time value={p.registeredAt} date />
          </Descriptions.Item>
          <Descriptions.Item label={t('适用对象', 'Intended users')}>
            {text(p.intendedUsers, 'intendedUsers')}
          </Descriptions.Item>
          <Descriptions.Item label={t('应用场景', 'Intended uses')}>
            {text(p.intendedUses, 'intendedUses')}
          </Descriptions.Item>
          <Descriptions.Item label={t('交付方式', 'Delivery')}>
            {text(p.delivery, 'delivery')}
          </Descriptions.Item>
          <Descriptions.Item label={t('产业和商业用途价格', 'Commercial prices')}>
            <Prices prices={p.prices.length ? p.prices : ((c.prices as PublicProduct['prices']) ?? [])} />
          </Descriptions.Item>
          <Descriptions.Item label={t('公益用途免费条件', 'Free public-interest use')}>
            {text(p.publicInterestTerms, 'publicInterestTerms')}
          </Descriptions.Item>
          {p.notice && (
            <Descriptions.Item label={t('公示期', 'Public notice')}>
              {p.notice.startsAt ? <Time value={p.notice.startsAt} /> : '—'} —{' '}
              {p.notice.endsAt ? <Time value={p.notice.endsAt} /> : '—'}
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>
      {noticeOpen(p) && <ObjectionForm product={p} />}
      <p>
        <Link to="/products">{t('返回数据产品列表', 'Back to data products')}</Link>
      </p>
    </>
  );
};

export const Disclosures = () => {
  const { t } = useI18n();
  const label = useLabel();
  const { year: yearParam } = useParams();
  const [params, setParams] = useSearchParams();
  const thisYear = new Date().getFullYear();
  const year = Number(params.get('year') ?? yearParam ?? thisYear);
  const q = useQuery({
    queryKey: ['public-disclosure', year],
    queryFn: () =>
      unwrap<Disclosure>(
        api.GET('/public/disclosures/{year}', { params: { path: { year: String(year) } as never } }),
      ),
  });
  const years = Array.from({ length: 6 }, (_, i) => String(thisYear - i));
  const d = q.data;
  return (
    <>
      <PageTitle
        extra={
          <Select
            aria-label={t('年度', 'Year')}
            value={String(year)}
            options={years.map((y) => ({ value: y, label: t(`${y} 年`, y) }))}
            onChange={(v) => setParams(v ? { year: v } : {})}
          />
        }
      >
        {t(`${year} 年度授权运营信息公开`, `Annual disclosure ${year}`)}
      </PageTitle>
      <ErrorAlert error={q.error} />
      {q.isLoading && <Loading />}
      {d && (
        <>
          <p className="muted">{d.basis}</p>
          <section className="card" aria-labelledby="dis-grants">
            <h2 id="dis-grants" style={{ fontSize: 18 }}>
              {t('授权情况', 'Grants')}
            </h2>
            {d.grants.length ? (
              <ul>
                {d.grants.map((g) => (
                  <li key={g.grantId}>
                    {g.grantee.name} ·{' '}
                    {g.mode === 'domain' ? label('domains', g.domain) : t('综合授权', 'Comprehensive')} ·{' '}
                    {t(`${g.scope.length} 个目录`, `${g.scope.length} entries`)} ·{' '}
                    <Time value={g.term.from} date /> — <Time value={g.term.to} date />
                    {g.terminatedAt && (
                      <>
                        {' '}
                        · {t('终止于', 'terminated')} <Time value={g.terminatedAt} date />
                      </>
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              <Empty description={t('本年度无授权', 'No grants this year')} />
            )}
          </section>
          <section className="card" aria-labelledby="dis-products">
            <h2 id="dis-products" style={{ fontSize: 18 }}>
              {t('数据产品与收费', 'Products and fees')}
            </h2>
            {d.operators.length ? (
              <div className="table-scroll">
                <table className="plain-table">
                  <caption className="sr-only">
                    {t('各运营单位的数据产品与收费', 'Products and fees per operator')}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('运营单位', 'Operator')}</th>
                      <th scope="col">{t('数据产品', 'Product')}</th>
                      <th scope="col">{t('登记编号', 'Code')}</th>
                      <th scope="col">{t('年末状态', 'Status at year end')}</th>
                      <th scope="col">{t('收费', 'Fees')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.operators.flatMap((o) =>
                      (o.products.length ? o.products : [null]).map((p) => (
                        <tr key={`${o.org}-${p?.productId ?? 'none'}`} data-testid="disclosure-product">
                          <td>{d.grants.find((g) => g.grantee.org === o.org)?.grantee.name ?? o.org}</td>
                          <td>{p ? (p.name ?? p.productId) : '—'}</td>
                          <td>{p?.registrationCode ?? '—'}</td>
                          <td>{p ? label('productStatuses', p.statusAtYearEnd) : '—'}</td>
                          <td>{yuan(p ? p.feesFen : o.feesFen)}</td>
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty description={t('本年度无数据产品', 'No products this year')} />
            )}
            <p>
              {t('收费合计', 'Total fees')}: {yuan(d.fees.grossFen)}
            </p>
          </section>
          <section className="card" aria-labelledby="dis-caps">
            <h2 id="dis-caps" style={{ fontSize: 18 }}>
              {t('政府指导价（上限）', 'Price caps')}
            </h2>
            {d.priceCaps.length ? (
              <ul>
                {d.priceCaps.map((c) => (
                  <li key={`${c.productId ?? c.form}-${c.unit}-${c.setAt}`}>
                    {c.form ? label('productForms', c.form) : (c.productId ?? '')} · {yuan(c.maxUnitPriceFen)}{' '}
                    / {label('billingUnits', c.unit)}
                  </li>
                ))}
              </ul>
            ) : (
              <Empty description={t('无', 'None')} />
            )}
          </section>
          <section className="card" aria-labelledby="dis-evals">
            <h2 id="dis-evals" style={{ fontSize: 18 }}>
              {t('评估结果', 'Evaluations')}
            </h2>
            {d.evaluations.length ? (
              <ul>
                {d.evaluations.map((e) => (
                  <li key={e.evaluationId}>
                    {e.operatorOrg} · {e.period} · {label('evaluationOutcomes', e.outcome)}
                  </li>
                ))}
              </ul>
            ) : (
              <Empty description={t('本年度无评估结果', 'No evaluation results this year')} />
            )}
          </section>
        </>
      )}
    </>
  );
};
