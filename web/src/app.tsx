// Shell: sign-in gate, top bar with navigation and live indicator, hash-routed pages.
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { logout, useSession } from './auth';
import { LiveIndicator } from './components/LiveIndicator';
import { startLive } from './live';
import { Alarms } from './pages/Alarms';
import { Fleet } from './pages/Fleet';
import { Login } from './pages/Login';
import { Reliability } from './pages/Reliability';
import { Well } from './pages/Well';
import { useRoute } from './router';

export function App(): JSX.Element {
  const s = useSession();
  const route = useRoute();

  useEffect(() => {
    if (!s) return;
    return startLive();
    // Restart only on sign-in/out; token renewals are followed inside live.ts.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [!!s]);

  useEffect(() => {
    document.title =
      route.page === 'well'
        ? `${route.id} · ESP IoT Platform`
        : route.page === 'alarms'
          ? 'Alarms · ESP IoT Platform'
          : route.page === 'reliability'
            ? 'Reliability · ESP IoT Platform'
            : 'Fleet · ESP IoT Platform';
  }, [route]);

  if (!s) return <Login />;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/">
          <span class="logo" aria-hidden="true">
            ESP
          </span>
          <span class="brand-name">ESP IoT Platform</span>
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === 'fleet' || route.page === 'well' ? 'page' : undefined}>
            Fleet
          </a>
          <a href="#/alarms" aria-current={route.page === 'alarms' ? 'page' : undefined}>
            Alarms
          </a>
          <a href="#/reliability" aria-current={route.page === 'reliability' ? 'page' : undefined} data-testid="nav-reliability">
            Reliability
          </a>
        </nav>
        <div class="spacer" />
        <LiveIndicator />
        <span class="user" data-testid="current-user" data-role={s.user.role}>
          {s.user.username} <span class="role">{s.user.role}</span>
        </span>
        <button type="button" class="ghost small" onClick={logout} data-testid="logout">
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'fleet' ? <Fleet /> : null}
        {route.page === 'well' ? <Well key={route.id} id={route.id} /> : null}
        {route.page === 'alarms' ? <Alarms /> : null}
        {route.page === 'reliability' ? <Reliability /> : null}
        {route.page === 'notfound' ? (
          <section class="page">
            <h1>Page not found</h1>
            <p>
              Nothing at <code>{route.path}</code>. <a href="#/">Back to the fleet</a>.
            </p>
          </section>
        ) : null}
      </main>
    </>
  );
}
