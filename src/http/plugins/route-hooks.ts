// Hooks attached to the routes that need them (from an `onRoute` hook, decided once when the route is
// declared, by its method and `config`), rather than run on every request of a scope to ask "is this mine?":
// a single-reading ingest request then runs only the hooks that concern it.
import type { RouteOptions } from 'fastify';

type RouteHookName = 'onRequest' | 'preHandler' | 'onSend';

export function addRouteHook(route: RouteOptions, name: RouteHookName, hook: (...args: never[]) => void): void {
  const current = route[name] as unknown;
  const list: unknown[] = current === undefined || current === null ? [] : Array.isArray(current) ? current : [current];
  if (list.includes(hook)) return;
  // A new array: Fastify copies a GET route's options for its HEAD route, and the copy must not share it.
  (route as unknown as Record<RouteHookName, unknown[]>)[name] = [...list, hook];
}

export function methodsOf(route: RouteOptions): string[] {
  return Array.isArray(route.method) ? route.method : [route.method];
}
