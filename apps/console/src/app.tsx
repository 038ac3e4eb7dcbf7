import { useEffect, useState } from 'preact/hooks';
import { api, onSignedOut, setCsrfToken, type Session } from './api.js';
import { linkProps, navigate, useRoute } from './router.js';
import { AccountsPage } from './pages/accounts.js';
import { CreatePage } from './pages/create.js';
import { JobPage } from './pages/job.js';
import { JobsPage } from './pages/jobs.js';
import { KeysPage } from './pages/keys.js';
import { OverviewPage } from './pages/overview.js';
import { SignInPage } from './pages/sign-in.js';
import { WebhooksPage } from './pages/webhooks.js';

const NAV = [
  { path: '/', label: 'Overview' },
  { path: '/jobs', label: 'Jobs' },
  { path: '/create', label: 'Create' },
  { path: '/accounts', label: 'Accounts' },
  { path: '/keys', label: 'Keys', admin: true },
  { path: '/webhooks', label: 'Webhooks' },
];

export const isAdmin = (session: Session) => session.key.scopes.includes('*') || session.key.scopes.includes('admin');

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const { path } = useRoute();

  useEffect(() => {
    api<Session>('GET', '/v1/session').then(
      (s) => {
        setCsrfToken(s.csrf_token);
        setSession(s);
      },
      () => setSession(null),
    );
    return onSignedOut(() => {
      setCsrfToken(null);
      setSession(null);
    });
  }, []);

  if (session === undefined) return <div class="boot" aria-busy="true" />;
  if (session === null) {
    return (
      <SignInPage
        onSignedIn={(s) => {
          setCsrfToken(s.csrf_token);
          setSession(s);
        }}
      />
    );
  }

  const signOut = async () => {
    await api('DELETE', '/v1/session').catch(() => undefined);
    setCsrfToken(null);
    setSession(null);
    navigate('/');
  };

  const section = '/' + (path.split('/')[1] ?? '');
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" {...linkProps('/')}>
          Gateway console
        </a>
        <nav>
          {NAV.filter((item) => !item.admin || isAdmin(session)).map((item) => (
            <a key={item.path} {...linkProps(item.path)} class={section === item.path ? 'active' : ''}>
              {item.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span title={session.key.scopes.join(', ')}>{session.key.name}</span>
          <button type="button" class="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main>{page(path, session)}</main>
    </div>
  );
}

function page(path: string, session: Session) {
  const parts = path.split('/').filter(Boolean);
  switch (parts[0]) {
    case undefined:
      return <OverviewPage />;
    case 'jobs':
      return parts[1] ? <JobPage id={parts[1]} /> : <JobsPage />;
    case 'create':
      return <CreatePage session={session} operation={parts[1] && parts[2] ? `${parts[1]}/${parts[2]}` : undefined} />;
    case 'accounts':
      return <AccountsPage session={session} />;
    case 'keys':
      return <KeysPage />;
    case 'webhooks':
      return <WebhooksPage />;
    default:
      return (
        <section class="empty">
          <h1>Not found</h1>
          <p>
            No console page at <code>{path}</code>. Go to the <a {...linkProps('/jobs')}>jobs</a>.
          </p>
        </section>
      );
  }
}
