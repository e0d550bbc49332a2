import { Button, Card, Checkbox, Form, Input, Select, Space, Tag } from 'antd';
import { useState } from 'react';
import { Route, Routes } from 'react-router';
import { api, unwrap } from '../api/client';
import type { paths } from '../api/generated/schema';
import { ErrorAlert, idem, PageTitle, useAction, useCodes, useLabel } from '../common';
import { useI18n } from '../i18n';
import { ListTable, usePagedList } from '../list';
import { GovernanceList } from './operator';
import type { CatalogItem } from './public';

type CreateBody = paths['/catalog']['post']['requestBody']['content']['application/json'];

const EntryForm = ({ entry, onDone }: { entry?: CatalogItem; onDone: () => void }) => {
  const { t } = useI18n();
  const label = useLabel();
  const codes = useCodes();
  const [form] = Form.useForm();
  const options = (list: string) =>
    (codes.data?.[list] ?? []).map((c) => ({ value: c.code, label: label(list, c.code) }));
  const save = useAction(
    (v: CreateBody, key: string) =>
      entry
        ? unwrap(
            api.PATCH('/catalog/{id}', {
              params: { path: { id: entry.id } },
              body: { ...v, version: entry.version },
              headers: idem(key),
            }),
          )
        : unwrap(api.POST('/catalog', { body: v, headers: idem(key) })),
    { form, invalidate: [['catalog']], onSuccess: onDone },
  );
  const w = entry?.working;
  return (
    <Form
      form={form}
      layout="vertical"
      style={{ maxWidth: 720 }}
      initialValues={
        w
          ? { ...w, items: w.dataItems.map((d) => d.name).join('，') }
          : {
              classification: 'general',
              openness: 'conditional',
              format: 'api',
              updateFrequency: 'daily',
              restrictions: {},
            }
      }
      onFinish={(v: CreateBody & { items: string }) => {
        const { items, ...rest } = v;
        save.mutate({
          ...rest,
          dataItems: items
            .split(/[,，、]+/)
            .map((s) => s.trim())
            .filter(Boolean)
            .map((name) => ({ name, type: 'string', description: '', personalInformation: false })),
        } as CreateBody);
      }}
    >
      <Form.Item name="title" label={t('目录名称', 'Title')} rules={[{ required: true }]}>
        <Input />
      </Form.Item>
      <Form.Item name="description" label={t('描述', 'Description')} rules={[{ required: true }]}>
        <Input.TextArea rows={2} />
      </Form.Item>
      <Space wrap>
        <Form.Item name="domain" label={t('领域', 'Domain')} rules={[{ required: true }]}>
          <Select options={options('domains')} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="classification" label={t('分级', 'Classification')}>
          <Select options={options('classifications')} style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="openness" label={t('开放属性', 'Openness')}>
          <Select options={options('openness')} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="format" label={t('格式', 'Format')}>
          <Select options={options('formats')} style={{ width: 120 }} />
        </Form.Item>
        <Form.Item name="updateFrequency" label={t('更新频率', 'Update frequency')}>
          <Select options={options('updateFrequencies')} style={{ width: 120 }} />
        </Form.Item>
      </Space>
      <Form.Item
        name="items"
        label={t('数据项（逗号分隔）', 'Data items (comma separated)')}
        rules={[{ required: true }]}
      >
        <Input />
      </Form.Item>
      <Form.Item name="usageRequirements" label={t('使用要求', 'Usage requirements')}>
        <Input />
      </Form.Item>
      <fieldset style={{ border: 0, padding: 0 }}>
        <legend style={{ fontSize: 14 }}>{t('第八条限制', 'Art. 8 restrictions')}</legend>
        <Form.Item name={['restrictions', 'stateSecret']} valuePropName="checked" style={{ marginBottom: 0 }}>
          <Checkbox>{t('涉及国家秘密', 'State secret')}</Checkbox>
        </Form.Item>
        <Form.Item
          name={['restrictions', 'publicSafety']}
          valuePropName="checked"
          style={{ marginBottom: 0 }}
        >
          <Checkbox>{t('涉及公共安全', 'Public safety')}</Checkbox>
        </Form.Item>
        <Form.Item name={['restrictions', 'closedByLaw']} valuePropName="checked">
          <Checkbox>{t('依法不予开放', 'Closed by law')}</Checkbox>
        </Form.Item>
      </fieldset>
      <ErrorAlert error={save.error} onReload={onDone} />
      <Button type="primary" htmlType="submit" loading={save.isPending}>
        {t('保存草稿', 'Save draft')}
      </Button>
    </Form>
  );
};

const MyCatalog = () => {
  const { t } = useI18n();
  const label = useLabel();
  const [editing, setEditing] = useState<CatalogItem | 'new'>();
  const q = usePagedList<CatalogItem>(['catalog', 'mine'], (query) =>
    api.GET('/catalog', { params: { query: { ...query, scope: 'mine' } as never } }),
  );
  const submit = useAction(
    (e: CatalogItem, key: string) =>
      unwrap(
        api.POST('/catalog/{id}/submit', {
          params: { path: { id: e.id } },
          body: { version: e.version },
          headers: idem(key),
        }),
      ),
    { invalidate: [['catalog']] },
  );
  return (
    <>
      <PageTitle extra={<Button onClick={() => setEditing('new')}>{t('新建目录', 'New entry')}</Button>}>
        {t('目录编制', 'My catalog')}
      </PageTitle>
      <ErrorAlert error={submit.error} onReload={() => q.refetch()} />
      <ListTable
        list={q}
        columns={[
          { title: t('目录名称', 'Title'), render: (_, e) => e.working?.title ?? e.published?.title },
          {
            title: t('状态', 'Status'),
            render: (_, e) => <Tag>{label('catalogStatuses', e.working?.status)}</Tag>,
          },
          {
            title: t('操作', 'Actions'),
            render: (_, e) =>
              ['draft', 'rejected', 'approved'].includes(e.working?.status ?? '') && (
                <Space>
                  <Button size="small" onClick={() => setEditing(e)}>
                    {t('编辑', 'Edit')}
                  </Button>
                  {e.working?.status !== 'approved' && (
                    <Button size="small" type="primary" onClick={() => submit.mutate(e)}>
                      {t('提交审核', 'Submit')}
                    </Button>
                  )}
                </Space>
              ),
          },
        ]}
      />
      {editing && (
        <Card
          title={
            <h2 style={{ fontSize: 16, margin: 0 }}>
              {editing === 'new' ? t('新建目录', 'New entry') : t('编辑目录', 'Edit entry')}
            </h2>
          }
          style={{ marginTop: 24 }}
        >
          <EntryForm
            key={editing === 'new' ? 'new' : editing.id}
            entry={editing === 'new' ? undefined : editing}
            onDone={() => setEditing(undefined)}
          />
        </Card>
      )}
    </>
  );
};

export default function ProviderPages() {
  return (
    <Routes>
      <Route path="catalog" element={<MyCatalog />} />
      <Route path="governance" element={<GovernanceList canCreate={false} />} />
      <Route path="*" element={<MyCatalog />} />
    </Routes>
  );
}
