/**
 * Lists, paged by the API's signed cursor: a page asks for `limit` records and gets `nextCursor` when
 * more remain; "load more" fetches the next page with it. One list page shape for every role's lists
 * (title, filters, table, load more).
 */
import { Table, type TableProps } from 'antd';
import type { ReactNode } from 'react';
import { ErrorAlert, PageTitle } from './common';
import { LoadMore, type PagedList } from './paging';

export { fetchAll, PAGE_SIZE, type PagedList, usePagedList } from './paging';

/** The list's table: its error (with a reload), the loaded records, and "load more" while the API has more. */
export const ListTable = <T extends object>({
  list,
  ...table
}: { list: PagedList<T> } & Omit<TableProps<T>, 'dataSource' | 'loading'>) => {
  return (
    <>
      <ErrorAlert error={list.error} onReload={() => list.refetch()} />
      <Table<T>
        rowKey="id"
        scroll={{ x: true }}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false }}
        loading={list.isLoading}
        dataSource={list.items}
        {...table}
      />
      <LoadMore list={list} />
    </>
  );
};

/** A list page: heading (with extra links), filters, the paged table, and what follows (e.g. a create form). */
export const ListPage = <T extends object>({
  heading,
  extra,
  filters,
  children,
  ...table
}: {
  heading: ReactNode;
  extra?: ReactNode;
  filters?: ReactNode;
  children?: ReactNode;
} & Parameters<typeof ListTable<T>>[0]) => (
  <>
    <PageTitle extra={extra}>{heading}</PageTitle>
    {filters && <div style={{ marginBottom: 12 }}>{filters}</div>}
    <ListTable<T> {...table} />
    {children}
  </>
);
