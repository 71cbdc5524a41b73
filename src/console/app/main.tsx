/** The console shell: sign-in, navigation between pages (history API under /console/), sign-out. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, clients, publicGet, xmlText, type Clients, type Session } from './aws.ts';
import { AuditPage } from './pages/audit.tsx';
import { GuardDutyPage } from './pages/guardduty.tsx';
import { KmsPage } from './pages/kms.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PosturePage } from './pages/posture.tsx';
import { ShieldPage } from './pages/shield.tsx';
import { WafPage } from './pages/waf.tsx';
import { useSubmit } from './ui.tsx';
import './styles.css';

/** The pages, in navigation order: link text and path under /console/. */
const PAGES = [
  { name: 'Overview', path: '' },
  { name: 'KMS', path: 'kms' },
  { name: 'WAF', path: 'waf' },
  { name: 'Shield', path: 'shield' },
  { name: 'GuardDuty', path: 'guardduty' },
  { name: 'Audit', path: 'audit' },
  { name: 'Posture', path: 'posture' },
] as const;

const BASE = '/console/';

function currentPath(): string {
  const p = window.location.pathname;
  return p.startsWith(BASE) ? p.slice(BASE.length).replace(/\/+$/, '') : '';
}

/** Props every page receives. */
export interface PageProps {
  readonly api: Clients;
  readonly session: Session;
  readonly navigate: (path: string) => void;
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [akid, setAkid] = useState('');
  const [secret, setSecret] = useState('');
  const [token, setToken] = useState('');
  const { busy, error: failure, submit } = useSubmit(async () => {
    const health = (await (await publicGet('/_bulwark/health')).json()) as { region: string; accountId: string; sealed: boolean };
    if (health.sealed) throw new Error('Bulwark is sealed. Unseal it with `bulwark operator unseal`, then sign in.');
    const s: Session = { accessKeyId: akid.trim(), secretAccessKey: secret.trim(), ...(token.trim() ? { sessionToken: token.trim() } : {}), region: health.region, accountId: health.accountId };
    const doc = await clients(s).sts('GetCallerIdentity');
    s.arn = xmlText(doc, 'Arn');
    setSecret('');
    onSignedIn(s);
  });
  const error = failure === undefined ? undefined : failure instanceof ApiError ? `${failure.code}: ${failure.message}` : (failure as Error).message;
  return (
    <main id="main" class="signin">
      <h1>Sign in to Bulwark</h1>
      <p class="muted">Use an access key pair (the root key printed when Bulwark started, or an IAM user's key). The console signs every API call in your browser with SigV4; the keys stay in this tab's memory only.</p>
      <form onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
        <label for="akid">Access key ID</label>
        <input id="akid" name="akid" autocomplete="username" required value={akid} onInput={(e) => setAkid((e.target as HTMLInputElement).value)} />
        <label for="secret">Secret access key</label>
        <input id="secret" name="secret" type="password" autocomplete="current-password" required value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
        <label for="token">Session token (optional)</label>
        <input id="token" name="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        {error ? (
          <p id="signin-error" class="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <p class="muted small">Console passwords (IAM login profiles) are not supported: Bulwark has no way to check a password without a private endpoint, so the console uses access keys only.</p>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const onPop = () => setPath(currentPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (p: string) => {
    window.history.pushState(null, '', BASE + p);
    setPath(p.split('?')[0] ?? '');
  };
  useEffect(() => {
    const page = PAGES.find((x) => x.path === path.split('/')[0]);
    document.title = session ? `${page?.name ?? 'Not found'} · Bulwark console` : 'Sign in · Bulwark console';
    document.getElementById('main')?.focus();
  }, [path, session]);
  if (!session) return <SignIn onSignedIn={setSession} />;
  const api = clients(session);
  const top = path.split('/')[0] ?? '';
  const page = PAGES.find((x) => x.path === top);
  const props: PageProps = { api, session, navigate };
  const link = (p: (typeof PAGES)[number]) => (
    <li>
      <a
        href={BASE + p.path}
        aria-current={p.path === top ? 'page' : undefined}
        onClick={(e) => {
          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
          e.preventDefault();
          navigate(p.path);
        }}
      >
        {p.name}
      </a>
    </li>
  );
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Bulwark</span>
        <nav aria-label="Pages">
          <ul>{PAGES.map(link)}</ul>
        </nav>
        <div class="who">
          <span title={session.arn}>{session.arn ?? session.accessKeyId}</span>
          <button type="button" class="secondary" onClick={() => setSession(undefined)}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {top === '' ? <OverviewPage {...props} /> : null}
        {top === 'kms' ? <KmsPage {...props} /> : null}
        {top === 'waf' ? <WafPage {...props} /> : null}
        {top === 'shield' ? <ShieldPage {...props} /> : null}
        {top === 'guardduty' ? <GuardDutyPage {...props} /> : null}
        {top === 'audit' ? <AuditPage {...props} /> : null}
        {top === 'posture' ? <PosturePage {...props} /> : null}
        {!page ? (
          <>
            <h1>Page not found</h1>
            <p>
              There is no console page at <code>{window.location.pathname}</code>. Pick one from the navigation.
            </p>
          </>
        ) : null}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
