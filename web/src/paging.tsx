/**
 * Cursor paging for every list: a page asks for `limit` records and gets the API's signed `nextCursor`
 * when more remain; "load more" fetches the next page with it. Kept free of antd's table so the public
 * pages (light components) can page their card lists too.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { Button } from 'antd';
import { type ReactNode, useMemo } from 'react';
import { type Page, unwrap } from './api/client';
import { ErrorAlert, Loading } from './common';
import { useI18n } from './i18n';
import { Empty, List } from './light';

/** The API's largest page (every list route caps `limit` at 100). */
export const PAGE_SIZE = 100;

type Raw = Promise<{ data?: unknown; error?: unknown; response: Response }>;
/** The page's own call (its path and filters, typed by the generated schema) with `limit` and `cursor`. */
export type FetchPage = (paging: { limit: number; cursor?: string }) => Raw;

/**
 * Every record of a list, page by page (for counts and pickers, not for display): at most `maxPages`
 * pages of PAGE_SIZE; `complete` is false when more remained.
 */
export const fetchAll = async <T,>(
  fetchPage: FetchPage,
  maxPages = 50,
): Promise<{ items: T[]; complete: boolean }> => {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const got = await unwrap<Page<T>>(fetchPage({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }));
    items.push(...got.items);
    cursor = got.nextCursor ?? undefined;
    if (!cursor) return { items, complete: true };
  }
  return { items, complete: false };
};

/** A list over cursor pages; `items` are the records loaded so far. The key is a prefix of the list's queries. */
export const usePagedList = <T,>(
  queryKey: readonly unknown[],
  fetchPage: FetchPage,
  opts: { refetchInterval?: number } = {},
) => {
  const q = useInfiniteQuery({
    ...opts,
    queryKey: [...queryKey, 'paged'],
    queryFn: ({ pageParam }) =>
      unwrap<Page<T>>(fetchPage({ limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  return Object.assign(q, { items });
};
export type PagedList<T> = ReturnType<typeof usePagedList<T>>;

/** How many records are loaded, and "load more" while the API has more. */
export const LoadMore = <T,>({ list }: { list: PagedList<T> }) => {
  const { t } = useI18n();
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 12, marginTop: 8 }}>
      <span data-testid="list-count">
        {t(`已加载 ${list.items.length} 条`, `${list.items.length} loaded`)}
        {list.hasNextPage ? t('，还有更多', ', more available') : ''}
      </span>
      {list.hasNextPage && (
        <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('加载更多', 'Load more')}
        </Button>
      )}
    </div>
  );
};

/** A public list (cards in two columns from medium screens, or rows): error, loading, empty text, load more. */
export const CardList = <T extends { id: string }>({
  list,
  empty,
  card,
  grid = true,
}: {
  list: PagedList<T>;
  empty: string;
  card: (item: T) => ReactNode;
  grid?: boolean;
}) => (
  <>
    <ErrorAlert error={list.error} onReload={() => list.refetch()} />
    {list.isLoading ? (
      <Loading />
    ) : (
      <>
        <List
          grid={grid ? { gutter: 16, xs: 1, md: 2 } : undefined}
          dataSource={list.items}
          locale={{ emptyText: <Empty description={empty} /> }}
          renderItem={(item) => <List.Item key={item.id}>{card(item)}</List.Item>}
        />
        <LoadMore list={list} />
      </>
    )}
  </>
);
