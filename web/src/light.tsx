/**
 * Light stand-ins for the few antd components the public pages use, with the same props, rendered as
 * plain semantic HTML (styled in index.html). They keep antd's heavy select/list/virtual-list code out
 * of a citizen's download; the signed-in areas use antd itself.
 */
import { Children, type CSSProperties, type ReactNode, useId } from 'react';

export const Space = ({
  children,
  style,
}: {
  children: ReactNode;
  wrap?: boolean;
  size?: number;
  style?: CSSProperties;
}) => (
  <div className="space" style={style}>
    {children}
  </div>
);

export const Tag = ({ children, color }: { children: ReactNode; color?: string }) => (
  <span className={`tag${color === 'blue' ? ' tag-info' : color && color !== 'default' ? ' tag-open' : ''}`}>
    {children}
  </span>
);

export const Empty = ({ description }: { description: ReactNode }) => <p className="empty">{description}</p>;

interface ListProps<T> {
  dataSource: T[];
  renderItem: (item: T) => ReactNode;
  locale?: { emptyText?: ReactNode };
  grid?: unknown;
  bordered?: boolean;
  size?: string;
  'aria-label'?: string;
}
const ListRoot = <T,>({ dataSource, renderItem, locale, grid, 'aria-label': label }: ListProps<T>) =>
  dataSource.length ? (
    <ul className={grid ? 'results grid' : 'results'} aria-label={label}>
      {dataSource.map(renderItem)}
    </ul>
  ) : (
    (locale?.emptyText ?? null)
  );
const ListItem = ({ children }: { children: ReactNode }) => <li>{children}</li>;
ListItem.Meta = ({ title, description }: { title: ReactNode; description?: ReactNode }) => (
  <>
    <div className="result-title">{title}</div>
    {description && <div className="result-desc">{description}</div>}
  </>
);
export const List = Object.assign(ListRoot, { Item: ListItem });

const DescriptionsRoot = ({
  children,
}: {
  children: ReactNode;
  bordered?: boolean;
  column?: number;
  size?: string;
}) => <dl className="details">{children}</dl>;
const DescriptionsItem = ({ label, children }: { label: ReactNode; children?: ReactNode }) => (
  <div>
    <dt>{label}</dt>
    <dd>{children}</dd>
  </div>
);
export const Descriptions = Object.assign(DescriptionsRoot, { Item: DescriptionsItem });

export const Card = ({
  title,
  children,
  ...rest
}: {
  title?: ReactNode;
  children: ReactNode;
  'data-testid'?: string;
}) => (
  <section className="card" {...rest}>
    {title}
    {children}
  </section>
);

interface SelectProps {
  value?: string;
  onChange: (v: string | undefined) => void;
  options: { value: string; label: string }[];
  placeholder?: string;
  allowClear?: boolean;
  style?: CSSProperties;
  'aria-label'?: string;
}
export const Select = ({
  value,
  onChange,
  options,
  placeholder,
  style,
  'aria-label': label,
}: SelectProps) => (
  <select
    className="select"
    aria-label={label}
    value={value ?? ''}
    onChange={(e) => onChange(e.target.value || undefined)}
    style={style}
  >
    <option value="">{placeholder ? `${placeholder}：全部 / all` : '—'}</option>
    {options.map((o) => (
      <option key={o.value} value={o.value}>
        {o.label}
      </option>
    ))}
  </select>
);

interface SearchProps {
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  onSearch: (v: string) => void;
  placeholder?: string;
  enterButton?: ReactNode;
  style?: CSSProperties;
  'aria-label'?: string;
}
const Search = ({
  value,
  onChange,
  onSearch,
  placeholder,
  enterButton,
  style,
  'aria-label': label,
}: SearchProps) => {
  const id = useId();
  return (
    <form
      className="search"
      style={style}
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(value);
      }}
    >
      <input
        id={id}
        type="search"
        aria-label={label}
        placeholder={placeholder}
        value={value}
        onChange={onChange}
      />
      <button type="submit">{Children.toArray(enterButton)}</button>
    </form>
  );
};
export const Input = { Search };
