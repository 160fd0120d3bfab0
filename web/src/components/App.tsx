import { useEffect, useMemo } from 'react';
import { useAccess, useCan } from '../access.js';
import { onAuthRequired } from '../api/client.js';
import { formatTime } from '../format.js';
import { href, type PageName, type Route } from '../router.js';
import { useDashboard } from '../state.js';
import { describeRange } from '../time-range.js';
import { urlProblems } from '../url-problems.js';
import { AlertsPage } from './AlertsPage.js';
import { AuditPage } from './AuditPage.js';
import { IncidentsPage } from './IncidentsPage.js';
import { OverviewPage } from './OverviewPage.js';
import { RangePicker } from './RangePicker.js';
import { RulesPage } from './RulesPage.js';
import { ServerPage } from './ServerPage.js';
import { SilencesPage } from './SilencesPage.js';
import { SlosPage } from './SlosPage.js';
import { TargetsPage } from './TargetsPage.js';
import { TimeZoneToggle, useTimeZoneMode } from './TimeZoneToggle.js';
import { TokenPrompt } from './TokenPrompt.js';
import { TokensPage } from './TokensPage.js';
import { TracePage } from './TracePage.js';
import { UrlNotice } from './UrlNotice.js';
import { Empty } from './ui.js';
import { ViolationsPage } from './ViolationsPage.js';

/** `admin`: shown to admin tokens only. */
const NAV: { page: PageName; label: string; admin?: boolean }[] = [
  { page: 'overview', label: 'Overview' },
  { page: 'violations', label: 'Violations' },
  { page: 'trace', label: 'Traces' },
  { page: 'incidents', label: 'Incidents' },
  { page: 'slos', label: 'SLOs' },
  { page: 'alerts', label: 'Alerts' },
  { page: 'rules', label: 'Rules' },
  { page: 'targets', label: 'Targets' },
  { page: 'silences', label: 'Silences' },
  { page: 'server', label: 'Server' },
  { page: 'audit', label: 'Audit' },
  { page: 'tokens', label: 'Tokens', admin: true },
];

const TITLES: Record<Route['page'], string> = {
  overview: 'Overview',
  violations: 'Violations',
  trace: 'Trace',
  incidents: 'Incidents',
  slos: 'Service level objectives',
  alerts: 'Alert log',
  rules: 'Rules',
  targets: 'Alert targets',
  silences: 'Silences',
  server: 'Server',
  audit: 'Audit log',
  tokens: 'Access tokens',
  'not-found': 'Not found',
};

/** Pages whose figures depend on the time range show the picker (a single trace does not). */
const RANGED: ReadonlySet<Route['page']> = new Set(['overview', 'violations', 'trace', 'alerts']);
const isRanged = (route: Route) => RANGED.has(route.page) && !(route.page === 'trace' && route.id);
/** Pages with an App filter: the nav keeps the app chosen (Overview → Violations shows that app's). */
const APP_FILTERED: ReadonlySet<Route['page']> = new Set(['overview', 'violations', 'trace', 'incidents', 'alerts']);

export function App() {
  const { route, authRequired, setAuthRequired, live, range, lastLoadedAt } = useDashboard();
  const isAdmin = useCan('admin');
  useTimeZoneMode(); // every page shows its times again when the zone changes
  // biome-ignore lint/correctness/useExhaustiveDependencies: the route is one object per URL
  const problems = useMemo(() => urlProblems(window.location.hash, describeRange(range)), [route, range]);

  useEffect(() => onAuthRequired((message) => setAuthRequired(true, { kind: 'refused', message })), [setAuthRequired]);
  useEffect(() => {
    document.title = `${TITLES[route.page]} · lagwatch`;
  }, [route.page]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href="#/" aria-label="lagwatch overview">
          <svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="var(--accent)" />
            <path
              d="M6 20h5l3-9 4 14 3-8h5"
              fill="none"
              stroke="#fff"
              strokeWidth="2.6"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
          <span>lagwatch</span>
        </a>
        <nav className="nav" aria-label="Sections">
          {NAV.filter((item) => isAdmin || !item.admin).map((item) => (
            <a
              key={item.page}
              href={href({
                page: item.page,
                range: route.range,
                app: APP_FILTERED.has(route.page) && APP_FILTERED.has(item.page) ? route.app : undefined,
              })}
              aria-current={route.page === item.page ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <TimeZoneToggle />
        <SignedIn />
        <span className={`live live-${live}`} role="status" title="Live updates from /events">
          <span className="live-dot" aria-hidden="true" />
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting' : 'Offline'}
        </span>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <div className="page-head">
          <div>
            <h1>{TITLES[route.page]}</h1>
            {isRanged(route) && (
              <p className="muted" data-testid="range-in-use">
                {describeRange(range)}
                {live === 'offline' && lastLoadedAt !== undefined && (
                  <span className="as-of"> · offline, figures as of {formatTime(lastLoadedAt)}</span>
                )}
              </p>
            )}
          </div>
          {isRanged(route) && <RangePicker />}
        </div>
        {/* Nothing of the previous token's answers stays on screen while another is asked for. */}
        {!authRequired && (
          <>
            <ReadOnlyNote />
            <UrlNotice problems={problems} />
            <Page route={route} />
          </>
        )}
      </main>
      {authRequired && <TokenPrompt />}
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'violations':
      return <ViolationsPage />;
    case 'trace':
      return <TracePage id={route.id} />;
    case 'incidents':
      return <IncidentsPage />;
    case 'slos':
      return <SlosPage />;
    case 'alerts':
      return <AlertsPage />;
    case 'rules':
      return <RulesPage />;
    case 'targets':
      return <TargetsPage />;
    case 'silences':
      return <SilencesPage />;
    case 'server':
      return <ServerPage />;
    case 'audit':
      return <AuditPage />;
    case 'tokens':
      return <TokensPage />;
    default:
      return (
        <Empty>
          This page does not exist. <a href="#/">Back to the overview</a>.
        </Empty>
      );
  }
}

/** Who this tab is signed in as (name and scope), with Sign out; nothing when lagwatch has no tokens. */
function SignedIn() {
  const { who, signOut, hasToken } = useAccess();
  if (!who || who.actor === 'anonymous') return null;
  return (
    <span className="signed-in" data-testid="signed-in">
      <span className="signed-in-name" title={`Changes are recorded as ${who.actor}`}>
        {who.name ?? (who.actor === 'api_token' ? 'API_TOKEN' : who.actor)}
      </span>
      <span className="badge badge-muted">{who.scope}</span>
      {hasToken && (
        <button type="button" className="button button-ghost button-small" onClick={signOut}>
          Sign out
        </button>
      )}
    </span>
  );
}

/** The one line that says why a read token sees no edit controls. */
function ReadOnlyNote() {
  const { who } = useAccess();
  if (who?.scope !== 'read') return null;
  return (
    <p className="note read-only-note" role="note" data-testid="read-only">
      Signed in with a read token: changes need a write token.
    </p>
  );
}
