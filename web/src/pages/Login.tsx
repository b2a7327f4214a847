// Sign in with a platform account, or (development) with an API key — one form, two modes.
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { loginWithApiKey, loginWithPassword } from '../auth';

export function Login({ reason }: { reason?: string }): JSX.Element {
  const [mode, setMode] = useState<'password' | 'apikey'>('password');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const first = useRef<HTMLInputElement>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    try {
      if (mode === 'password') await loginWithPassword(username.trim(), password);
      else await loginWithApiKey(key.trim());
    } catch (x) {
      setErr(x instanceof Error ? x.message : String(x));
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title" data-testid="login-form">
        <div class="brand big">
          <span class="logo" aria-hidden="true">
            ESP
          </span>
          <span>ESP IoT Platform</span>
        </div>
        <h1 id="login-title">Sign in</h1>
        {reason ? <p class="note">{reason}</p> : null}
        <fieldset class="mode">
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'password'} onChange={() => setMode('password')} data-testid="login-mode-password" />
            Username and password
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'apikey'} onChange={() => setMode('apikey')} data-testid="login-mode-apikey" />
            API key (development)
          </label>
        </fieldset>
        {mode === 'password' ? (
          <>
            <label class="block">
              <span>Username</span>
              <input
                ref={first}
                name="username"
                autoComplete="username"
                required
                value={username}
                onInput={(e) => setUsername(e.currentTarget.value)}
                data-testid="login-username"
              />
            </label>
            <label class="block">
              <span>Password</span>
              <input
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                data-testid="login-password"
              />
            </label>
          </>
        ) : (
          <label class="block">
            <span>API key</span>
            <input
              type="password"
              name="api_key"
              autoComplete="off"
              required
              value={key}
              onInput={(e) => setKey(e.currentTarget.value)}
              data-testid="login-apikey"
            />
          </label>
        )}
        {err ? (
          <p class="error" role="alert" data-testid="login-error">
            {err}
          </p>
        ) : null}
        <button type="submit" class="primary wide" disabled={busy} data-testid="login-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
