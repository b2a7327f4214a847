// A small virtualised grid: only the rows in view (plus a few) are in the DOM, so 10 000 rows stay fast.
// Keyboard: the grid is one tab stop; ↑/↓/PgUp/PgDn/Home/End move the active row, Enter activates it.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  /** Grid label for assistive technology. */
  label: string;
  /** The header row (role=row with columnheader cells); rendered sticky above the rows. */
  header: ComponentChildren;
  headerHeight: number;
  getKey: (item: T) => string;
  /** Render one row's cells (the row element itself is provided). */
  renderRow: (item: T, index: number) => ComponentChildren;
  rowProps?: (item: T, index: number) => Record<string, string | number | undefined>;
  onActivate?: (item: T, index: number) => void;
  /** Fixed height in px; otherwise the list fills its parent (which must have a height). */
  maxHeight?: number;
  class?: string;
  empty?: ComponentChildren;
  overscan?: number;
  /** Id prefix for aria-activedescendant. */
  idPrefix: string;
}

export function VirtualList<T>(p: VirtualListProps<T>): JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, setViewH] = useState(p.maxHeight ?? 600);
  const [active, setActive] = useState(0);
  const raf = useRef(0);
  const n = p.items.length;
  const overscan = p.overscan ?? 8;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    setViewH(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  useEffect(() => () => cancelAnimationFrame(raf.current), []);

  // Keep the active row inside the list when it shrinks (e.g. after filtering).
  useEffect(() => {
    if (active >= n) setActive(Math.max(0, n - 1));
  }, [n, active]);

  const onScroll = () => {
    cancelAnimationFrame(raf.current);
    raf.current = requestAnimationFrame(() => {
      if (ref.current) setScrollTop(ref.current.scrollTop);
    });
  };

  const bodyH = Math.max(0, viewH - p.headerHeight);
  const first = Math.max(0, Math.floor(scrollTop / p.rowHeight) - overscan);
  const last = Math.min(n, Math.ceil((scrollTop + bodyH) / p.rowHeight) + overscan);

  const moveTo = (i: number) => {
    const k = Math.max(0, Math.min(n - 1, i));
    setActive(k);
    const el = ref.current;
    if (!el) return;
    const top = k * p.rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + p.rowHeight > el.scrollTop + bodyH) el.scrollTop = top + p.rowHeight - bodyH;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.target !== ref.current || n === 0) return;
    const page = Math.max(1, Math.floor(bodyH / p.rowHeight) - 1);
    const keys: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + page,
      PageUp: active - page,
      Home: 0,
      End: n - 1,
    };
    if (e.key in keys) {
      e.preventDefault();
      moveTo(keys[e.key]!);
    } else if ((e.key === 'Enter' || e.key === ' ') && p.onActivate && p.items[active] !== undefined) {
      e.preventDefault();
      p.onActivate(p.items[active]!, active);
    }
  };

  const rows: JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    const item = p.items[i]!;
    rows.push(
      <div
        key={p.getKey(item)}
        id={`${p.idPrefix}-${i}`}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={i === active}
        class={`vrow${i === active ? ' active' : ''}`}
        style={{ transform: `translateY(${p.headerHeight + i * p.rowHeight}px)`, height: `${p.rowHeight}px` }}
        onClick={(e) => {
          setActive(i);
          const t = e.target as HTMLElement;
          if (p.onActivate && !t.closest('a,button,input,select,textarea')) p.onActivate(item, i);
        }}
        {...(p.rowProps ? p.rowProps(item, i) : {})}
      >
        {p.renderRow(item, i)}
      </div>,
    );
  }

  return (
    <div
      ref={ref}
      class={`vlist ${p.class ?? ''}`}
      role="grid"
      aria-label={p.label}
      aria-rowcount={n + 1}
      aria-activedescendant={n ? `${p.idPrefix}-${Math.min(active, n - 1)}` : undefined}
      tabIndex={0}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      style={p.maxHeight ? { height: `${Math.min(p.maxHeight, p.headerHeight + Math.max(1, n) * p.rowHeight + 2)}px` } : undefined}
    >
      <div class="vhead" style={{ height: `${p.headerHeight}px` }} role="rowgroup">
        {p.header}
      </div>
      <div class="vspacer" style={{ height: `${n * p.rowHeight}px` }} />
      <div role="rowgroup">{rows}</div>
      {n === 0 && p.empty ? <div class="vempty">{p.empty}</div> : null}
    </div>
  );
}
