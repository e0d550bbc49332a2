import { Button, List, Tag } from 'antd';
import { api, unwrap } from '../api/client';
import { ErrorAlert, idem, PageTitle, Time, useAction } from '../common';
import { useI18n } from '../i18n';
import { LoadMore, usePagedList } from '../paging';

interface Notice {
  id: string;
  title?: string;
  message?: string;
  kind?: string;
  read?: boolean;
  readAt?: string;
  createdAt: string;
  version?: number;
}

/** Each party's inbox of notifications, fed by domain events. */
export default function Notifications() {
  const { t } = useI18n();
  const q = usePagedList<Notice>(['notifications'], (query) =>
    api.GET('/notifications', { params: { query: query as never } }),
  );
  const read = useAction(
    (n: Notice, key: string) =>
      unwrap(
        api.POST('/notifications/{id}/read', { params: { path: { id: n.id } }, headers: idem(key) } as never),
      ),
    { invalidate: [['notifications']] },
  );
  return (
    <>
      <PageTitle>{t('通知', 'Notifications')}</PageTitle>
      <ErrorAlert error={q.error ?? read.error} onReload={() => q.refetch()} />
      <List
        loading={q.isLoading}
        dataSource={q.items}
        renderItem={(n) => (
          <List.Item
            key={n.id}
            actions={
              n.read || n.readAt
                ? []
                : [
                    <Button key="r" size="small" onClick={() => read.mutate(n)}>
                      {t('标为已读', 'Mark read')}
                    </Button>,
                  ]
            }
          >
            <List.Item.Meta
              title={
                <>
                  {n.title ?? n.kind} {!(n.read || n.readAt) && <Tag color="blue">{t('未读', 'Unread')}</Tag>}
                </>
              }
              description={
                <>
                  {n.message} <Time value={n.createdAt} />
                </>
              }
            />
          </List.Item>
        )}
      />
      <LoadMore list={q} />
    </>
  );
}
