/** Shared console components: async loading and paging, error explanations, facts, form actions, JSON editor, charts (tables: table.tsx). */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError } from './aws.ts';
import type { Paging } from './table.tsx';

/** State of one asynchronous load. */
export interface Loaded<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `fn` on mount and whenever `deps` change; `reload()` runs it again. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** One page of a paged API answer: its items and the NextToken, if any. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string | undefined;
}

/** A paged load: the rows of every page loaded so far, and `paging` for DataTable's "Load more". */
export interface Paged<T> extends Loaded<T[]> {
  readonly paging: Paging;
}

/**
 * Loads the first page with `fetchPage()` (on mount and when `deps` change, like useLoad);
 * "Load more" appends `fetchPage(NextToken)`. A new first page drops the pages appended before.
 */
export function usePaged<T>(fetchPage: (token?: string) => Promise<Page<T>>, deps: unknown[] = [], label = 'Load more'): Paged<T> {
  const first = useLoad(() => fetchPage(), deps);
  const [more, setMore] = useState<{ base?: Page<T>; items: T[]; next?: string | undefined; loading: boolean; error?: unknown }>({ items: [], loading: false });
  const base = first.data;
  const cur = more.base === base ? more : { base, items: [], next: base?.next, loading: false };
  const onMore = () => {
    const token = cur.next;
    if (token === undefined || cur.loading) return;
    setMore({ ...cur, loading: true, error: undefined });
    const same = (m: typeof more) => m.base === base;
    fetchPage(token).then(
      (p) => setMore((m) => (same(m) ? { base, items: [...m.items, ...p.items], next: p.next, loading: false } : m)),
      (error: unknown) => setMore((m) => (same(m) ? { ...m, loading: false, error } : m)),
    );
  };
  return {
    loading: first.loading,
    error: first.error,
    reload: first.reload,
    ...(base ? { data: [...base.items, ...cur.items] } : {}),
    paging: { next: cur.next !== undefined, loading: cur.loading, onMore, label, ...(cur.error !== undefined ? { error: <ErrorBox error={cur.error} what="loading more" /> } : {}) },
  };
}

/** A form submission: `submit` runs `fn` (default prevented), `busy` while it runs, `error` when it threw. */
export function useSubmit(fn: () => Promise<unknown>): { busy: boolean; error: unknown; submit: (e: Event) => Promise<void> } {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

/** An action's outcome: a status message and/or the error explained. */
export function Outcome({ message, error }: { message?: string | undefined; error?: unknown }) {
  return (
    <>
      {message ? (
        <p class="ok" role="status">
          {message}
        </p>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </>
  );
}

/** A key/value detail list (`<dl class="facts">`). */
export function Facts({ items }: { items: [ComponentChildren, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

/** A form's error (explained) and its submit and Cancel buttons. */
export function FormActions({ submit, onCancel, busy = false, danger = false, error, what }: { submit: string; onCancel: () => void; busy?: boolean; danger?: boolean; error?: unknown; what?: string }) {
  return (
    <>
      {error ? <ErrorBox error={error} {...(what ? { what } : {})} /> : null}
      <div class="actions">
        <button type="submit" class={danger ? 'danger' : undefined} disabled={busy}>
          {submit}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}

/** Explains an error: AccessDenied names the missing permission; a missing API says so. */
export function ErrorBox({ error, what }: { error: unknown; what?: string }) {
  if (error instanceof ApiError) {
    if (error.accessDenied) {
      const action = error.missingAction;
      return (
        <div class="error" role="alert">
          <strong>Access denied{what ? ` (${what})` : ''}.</strong>{' '}
          {action ? (
            <>
              Your identity is missing the permission <code class="perm">{action}</code>. Ask an administrator to allow it in one of your IAM policies.
            </>
          ) : (
            'Your identity is not allowed to do this.'
          )}
          <details>
            <summary>Error message</summary>
            <p>
              {error.code}: {error.message}
            </p>
          </details>
        </div>
      );
    }
    if (error.notAvailable) {
      return (
        <div class="notice" role="status">
          <strong>Not available on this server.</strong> This Bulwark node does not serve the {error.service} API ({error.operation}) yet.
        </div>
      );
    }
    return (
      <div class="error" role="alert">
        <strong>{error.code}</strong>: {error.message}
      </div>
    );
  }
  return (
    <div class="error" role="alert">
      <strong>Error</strong>: {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

/** Shows loading, error or the children built from the data. */
export function Async<T>({ state, what, children }: { state: Loaded<T>; what?: string; children: (d: T) => ComponentChildren }) {
  if (state.error !== undefined) return <ErrorBox error={state.error} {...(what ? { what } : {})} />;
  if (state.data === undefined) return <p class="muted" aria-live="polite">Loading…</p>;
  return <>{children(state.data)}</>;
}

/** An empty-state message. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A list (`ul.plain` unless `class` says otherwise) of `items`, or the `empty` message. */
export function ItemList<T>({ items, empty, item, class: cls = 'plain', label }: { items: readonly T[]; empty: ComponentChildren; item: (x: T) => ComponentChildren; class?: string; label?: string }) {
  if (items.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul class={cls} aria-label={label}>
      {items.map((x) => (
        <li>{item(x)}</li>
      ))}
    </ul>
  );
}

/** ItemList of a load's items, with its loading and error states. */
export function AsyncList<T>({ state, what, ...list }: { state: Loaded<readonly T[]>; what?: string; empty: ComponentChildren; item: (x: T) => ComponentChildren; class?: string; label?: string }) {
  return (
    <Async state={state} {...(what ? { what } : {})}>
      {(items) => <ItemList items={items} {...list} />}
    </Async>
  );
}

/** A card section with a heading. */
export function Card({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const id = 'card-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <section class="card" aria-labelledby={id}>
      <header class="card-head">
        <h2 id={id}>{title}</h2>
        {actions ? <div class="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** Formats a timestamp (epoch seconds, ISO string or Date) for display. */
export function fmtTime(t: unknown): string {
  if (t === undefined || t === null || t === '') return '—';
  const d = typeof t === 'number' ? new Date(t < 1e12 ? t * 1000 : t) : new Date(String(t));
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * A JSON editor: a labelled textarea that checks the text parses, then calls `onSave`;
 * an API error (e.g. MalformedPolicyDocumentException, WAFInvalidParameterException) is shown
 * inline under the field.
 */
export function JsonEditor({ label, initial, onSave, onCancel, saveLabel = 'Save' }: { label: string; initial: string; onSave: (value: unknown) => Promise<void>; onCancel: () => void; saveLabel?: string }) {
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const id = 'json-' + label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const save = async (e: Event) => {
    e.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      setError(`Not valid JSON: ${(err as Error).message}`);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSave(value);
    } catch (err) {
      setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="json-editor" onSubmit={save}>
      <label for={id}>{label}</label>
      <textarea id={id} spellcheck={false} rows={18} value={text} aria-invalid={error ? 'true' : 'false'} aria-describedby={error ? id + '-err' : undefined} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      {error ? (
        <p id={id + '-err'} class="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <FormActions submit={saveLabel} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** A dialog-like panel for forms (rendered inline so it works without scripts for focus traps). */
export function Panel({ title, children }: { title: string; children: ComponentChildren }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input,select,textarea,button')?.focus();
  }, []);
  return (
    <section class="panel" aria-label={title} ref={ref}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** One series of a time chart. */
export interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: (number | null)[];
}

/** A uPlot time-series chart (x = epoch seconds) with an accessible summary table under it. */
export function TimeChart({ title, times, series, kind = 'line', height = 220, unit = 'requests', live = false }: { title: string; times: number[]; series: Series[]; kind?: 'line' | 'bars'; height?: number; unit?: string; live?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label + s.color).join('|') + kind;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(320, el.clientWidth || 600);
    const opts: uPlot.Options = {
      width,
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { show: false },
      scales: { x: { time: true } },
      axes: [{ stroke: '#44505c' }, { stroke: '#44505c', label: unit, size: 60 }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: kind === 'bars' ? s.color + '55' : s.color + '22',
          ...(kind === 'bars' ? { paths: uPlot.paths.bars!({ size: [0.8, 40] }) } : {}),
          points: { show: false },
        })),
      ],
    };
    plot.current = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const onResize = () => plot.current?.setSize({ width: Math.max(320, el.clientWidth), height });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height]);
  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);
  const totals = series.map((s) => s.values.reduce<number>((a, v) => a + (v ?? 0), 0));
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <figure class="chart" data-chart={slug}>
      <figcaption>{title}</figcaption>
      {live && times.length < 2 ? <p class="muted small">Waiting for samples…</p> : null}
      <div ref={box} class="chart-box" role="img" aria-label={`${title}: ${series.map((s, i) => `${s.label} ${totals[i]}`).join(', ')}`} />
      <table class="chart-summary">
        <caption class="sr-only">{title}, totals in the window</caption>
        <thead>
          <tr>
            {series.map((s) => (
              <th scope="col">
                <span class="swatch" style={{ background: s.color }} aria-hidden="true" />
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            {series.map((s, i) => (
              <td data-series={s.label}>{totals[i]}</td>
            ))}
          </tr>
        </tbody>
      </table>
    </figure>
  );
}
