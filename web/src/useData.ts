// The one way a page or panel loads data: run a loader when its inputs change, abort the request it replaces
// (and the last one on unmount), and expose data / error / loading / reload. State is never set after the
// request was replaced or the component unmounted.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorText, isAbort } from './api';

/** Fetches the data; must pass `signal` on to the request so that it can be aborted. */
export type Loader<T> = (signal: AbortSignal) => Promise<T>;

export interface DataState<D> {
  /** The last data loaded (kept while the next load runs), or the initial value. */
  data: D;
  /** The last load's error as the user reads it; '' when it succeeded or is still running. */
  error: string;
  loading: boolean;
  /** Load again with the same inputs. */
  reload: () => void;
  /** Change the data in place (live events, the result of an action); the next load replaces it. */
  setData: (update: D | ((current: D) => D)) => void;
}

interface Snapshot<D> {
  data: D;
  error: string;
  loading: boolean;
}

export type Outcome<T> = { data: T } | { error: string };

/**
 * Runs one load and reports its outcome, unless it was cancelled first. Cancelling aborts the request; an
 * aborted request reports nothing.
 */
export function runLoad<T>(load: Loader<T>, report: (outcome: Outcome<T>) => void): () => void {
  const ac = new AbortController();
  let current = true;
  // A loader that throws before returning its promise fails the same way.
  new Promise<T>((resolve) => resolve(load(ac.signal))).then(
    (data) => {
      if (current) report({ data });
    },
    (e: unknown) => {
      if (current && !isAbort(e)) report({ error: errorText(e) });
    },
  );
  return () => {
    current = false;
    ac.abort();
  };
}

/**
 * Loads with `load` whenever `deps` change (`load` is the closure of that render). A null loader loads nothing
 * and leaves the state as it is (a request that only some views need).
 */
export function useData<T>(load: Loader<T> | null, deps: readonly unknown[]): DataState<T | undefined>;
export function useData<T>(load: Loader<T> | null, deps: readonly unknown[], initial: T): DataState<T>;
export function useData<T>(load: Loader<T> | null, deps: readonly unknown[], initial?: T): DataState<T | undefined> {
  const [state, setState] = useState<Snapshot<T | undefined>>(() => ({ data: initial, error: '', loading: load != null }));
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    if (!load) {
      setState((s) => (s.loading ? { ...s, loading: false } : s));
      return;
    }
    setState((s) => (s.loading && !s.error ? s : { ...s, error: '', loading: true }));
    return runLoad(load, (outcome) =>
      setState((s) => ('data' in outcome ? { data: outcome.data, error: '', loading: false } : { ...s, error: outcome.error, loading: false })),
    );
    // The caller's deps decide when to load again, as for useEffect.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, revision]);

  const reload = useCallback(() => setRevision((r) => r + 1), []);
  const setData = useCallback(
    (update: T | undefined | ((current: T | undefined) => T | undefined)) =>
      setState((s) => ({ ...s, data: typeof update === 'function' ? (update as (c: T | undefined) => T | undefined)(s.data) : update })),
    [],
  );
  return { ...state, reload, setData };
}
