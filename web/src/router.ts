// Hash routing: #/ (fleet), #/wells/<id>, #/alarms, #/reliability. No server-side routes needed.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'fleet' }
  | { page: 'well'; id: string }
  | { page: 'alarms' }
  | { page: 'reliability' }
  | { page: 'notfound'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '/fleet') return { page: 'fleet' };
  if (path === '/alarms') return { page: 'alarms' };
  if (path === '/reliability') return { page: 'reliability' };
  const m = /^\/wells\/([^/?]+)$/.exec(path);
  if (m) return { page: 'well', id: decodeURIComponent(m[1]!) };
  return { page: 'notfound', path };
}

export function useRoute(): Route {
  const [r, setR] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setR(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return r;
}

export function wellHref(id: string): string {
  return `#/wells/${encodeURIComponent(id)}`;
}

export function navigate(hash: string): void {
  location.hash = hash;
}
