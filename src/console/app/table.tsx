/**
 * DataTable: the console's one table. Header cells with `scope="col"`, an empty-state message
 * instead of an empty table, optional sorting by column (the caller sorts: usually the API does),
 * optional selection checkboxes, optional clickable rows (focusable, Enter/Space) and a
 * "Load more" button while the API returns a NextToken.
 */
import type { ComponentChildren } from 'preact';
import { Empty } from './ui.tsx';

/** Sort direction, as `aria-sort` names it. */
export type SortDir = 'ascending' | 'descending';

/** The current sort: the `sortKey` of a column and the direction. */
export interface Sort {
  readonly key: string;
  readonly dir: SortDir;
}

/** One column of a DataTable. */
export interface Column<R> {
  /** Header cell content (text, or e.g. an sr-only label). */
  readonly header: ComponentChildren;
  /** The cell of a row. */
  readonly cell: (row: R) => ComponentChildren;
  /** Makes the header a sort button; `onSort` receives this key. */
  readonly sortKey?: string;
  /** Width class: `col-narrow` (fits its content) or `col-wide` (takes the free space). */
  readonly width?: 'narrow' | 'wide';
  /** Class of the column's body cells (e.g. `row-actions`, `small`, `uri`). */
  readonly class?: string;
}

/** Row selection by row key (a checkbox column in front). */
export interface Selection<R> {
  readonly selected: ReadonlySet<string>;
  readonly onChange: (next: Set<string>) => void;
  /** Accessible name of a row's checkbox. */
  readonly label: (row: R) => string;
}

/** "Load more" paging: shown while `next` is true. */
export interface Paging {
  readonly next: boolean;
  readonly loading: boolean;
  readonly onMore: () => void;
  readonly label?: string;
  readonly error?: ComponentChildren;
}

/** DataTable properties. */
export interface DataTableProps<R> {
  readonly columns: readonly Column<R>[];
  readonly rows: readonly R[];
  /** A row's stable key (also the selection id); the index where rows have no identity. */
  readonly rowKey: (row: R, index: number) => string;
  /** Attribute that carries the row key on each `<tr>` (e.g. `data-key-id`), for tests and styling. */
  readonly keyAttr?: `data-${string}`;
  /** Shown (as the empty-state paragraph) instead of the table when there are no rows. */
  readonly empty: ComponentChildren;
  /** `class` of the `<table>`. */
  readonly class?: string;
  readonly sort?: Sort;
  readonly onSort?: (key: string) => void;
  readonly selection?: Selection<R>;
  /** Makes each row focusable and clickable (Enter/Space too); clicks on controls inside are theirs. */
  readonly onRowClick?: (row: R) => void;
  readonly paging?: Paging;
}

const INTERACTIVE = 'a,button,input,select,textarea,label,summary,details';

/** The next sort when the header with `key` is chosen: same key flips the direction. */
export function nextSort(current: Sort | undefined, key: string, initial: SortDir = 'descending'): Sort {
  if (current?.key === key) return { key, dir: current.dir === 'ascending' ? 'descending' : 'ascending' };
  return { key, dir: initial };
}

/** A table of `rows`, or the `empty` message. */
export function DataTable<R>({ columns, rows, rowKey, keyAttr, empty, class: cls, sort, onSort, selection, onRowClick, paging }: DataTableProps<R>) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  const header = (c: Column<R>) => {
    const active = c.sortKey !== undefined && sort?.key === c.sortKey;
    return (
      <th scope="col" class={c.width ? `col-${c.width}` : undefined} aria-sort={active ? sort?.dir : undefined}>
        {c.sortKey !== undefined && onSort ? (
          <button type="button" class="sort" onClick={() => onSort(c.sortKey as string)}>
            {c.header}
            <span class="sort-mark" aria-hidden="true">
              {active ? (sort?.dir === 'ascending' ? '▲' : '▼') : '↕'}
            </span>
          </button>
        ) : (
          c.header
        )}
      </th>
    );
  };
  const row = (r: R, index: number) => {
    const key = rowKey(r, index);
    const click = onRowClick
      ? {
          tabIndex: 0,
          class: 'clickable',
          onClick: (e: MouseEvent) => {
            if (!(e.target as Element).closest(INTERACTIVE)) onRowClick(r);
          },
          onKeyDown: (e: KeyboardEvent) => {
            if (e.target !== e.currentTarget || (e.key !== 'Enter' && e.key !== ' ')) return;
            e.preventDefault();
            onRowClick(r);
          },
        }
      : {};
    return (
      <tr key={key} {...(keyAttr ? { [keyAttr]: key } : {})} {...click}>
        {selection ? (
          <td>
            <input
              type="checkbox"
              aria-label={selection.label(r)}
              checked={selection.selected.has(key)}
              onChange={(e) => {
                const next = new Set(selection.selected);
                if ((e.target as HTMLInputElement).checked) next.add(key);
                else next.delete(key);
                selection.onChange(next);
              }}
            />
          </td>
        ) : null}
        {columns.map((c) => (
          <td class={c.class}>{c.cell(r)}</td>
        ))}
      </tr>
    );
  };
  return (
    <>
      <div class="table-wrap">
        <table class={cls}>
          <thead>
            <tr>
              {selection ? (
                <th scope="col">
                  <span class="sr-only">Select</span>
                </th>
              ) : null}
              {columns.map(header)}
            </tr>
          </thead>
          <tbody>{rows.map(row)}</tbody>
        </table>
      </div>
      {paging?.error}
      {paging?.next ? (
        <p class="more">
          <button type="button" class="secondary" disabled={paging.loading} onClick={paging.onMore}>
            {paging.loading ? 'Loading…' : (paging.label ?? 'Load more')}
          </button>
        </p>
      ) : null}
    </>
  );
}
