import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { formatCount, formatMs, formatTime } from '../format.js';
import { href, navigate } from '../router.js';
import { useResource } from '../state.js';
import { AppSelect } from './AppSelect.js';
import { MuteButton } from './MuteButton.js';
import { TableHeader } from './TableHeader.js';
import { Badge, Card, Empty, ErrorNote, LevelBadge, Loading, Pager } from './ui.js';

const PER_PAGE = 50;

export function ViolationsPage({ app, messageKey }: { app?: string; messageKey?: string }) {
  const [page, setPage] = useState(1);
  const apps = useResource((range, signal) => api.apps(range, signal), []);
  const violations = useResource(
    (range, signal) =>
      api.violations({ app_name: app, message_key: messageKey, page, per_page: PER_PAGE }, range, signal),
    [app, messageKey, page],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter starts at the first page
  useEffect(() => setPage(1), [app, messageKey]);

  const appNames = apps.data?.map((a) => a.app_name) ?? [];
  const keys = apps.data?.find((a) => a.app_name === app)?.slowest_message_keys.map((k) => k.message_key) ?? [];

  return (
    <div className="page">
      <Card title="Violations">
        <ViolationFilters app={app} messageKey={messageKey} apps={appNames} keys={keys} />

        <ErrorNote error={violations.error} retry={violations.reload} />
        {!violations.data && violations.loading ? (
          <Loading />
        ) : !violations.data || violations.data.items.length === 0 ? (
          <Empty>No violations in this range{app || messageKey ? ' for this filter' : ''}.</Empty>
        ) : (
          <>
            <p className="muted result-count" aria-live="polite">
              {formatCount(violations.data.total)} violation{violations.data.total === 1 ? '' : 's'}, newest first
            </p>
            <div className="table-wrap">
              <table className="table" aria-label="Violations">
                <TableHeader
                  columns={[
                    'Time',
                    'App',
                    'Message key',
                    { label: 'Duration', className: 'num' },
                    { label: 'Threshold', className: 'num hide-narrow' },
                    { label: 'Rule', className: 'hide-narrow' },
                    { label: 'Level', className: 'hide-narrow' },
                    'Trace',
                    '',
                  ]}
                />
                <tbody>
                  {violations.data.items.map((v) => (
                    <tr key={v.id}>
                      <td className="nowrap">{formatTime(v.log_time)}</td>
                      <td>{v.app_name}</td>
                      <td>{v.message_key ? <code>{v.message_key}</code> : <span className="muted">—</span>}</td>
                      <td className="num text-bad">
                        <strong>{formatMs(v.duration_ms)}</strong>
                        <span className="ratio"> ×{(v.duration_ms / v.threshold_ms).toFixed(1)}</span>
                      </td>
                      <td className="num hide-narrow">{formatMs(v.threshold_ms)}</td>
                      <td className="hide-narrow">
                        <Badge tone={v.rule_type === 'message' ? 'info' : 'muted'}>{v.rule_type}</Badge>
                      </td>
                      <td className="hide-narrow">
                        <LevelBadge level={v.level} />
                      </td>
                      <td>
                        {v.correlation_id ? (
                          <a href={href({ page: 'trace', id: v.correlation_id })} title={v.correlation_id}>
                            <code>{v.correlation_id.slice(0, 8)}</code>
                          </a>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td>
                        <MuteButton app={v.app_name} messageKey={v.rule_type === 'message' ? v.message_key : null} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} perPage={PER_PAGE} total={violations.data.total} onPage={setPage} label="Violations" />
          </>
        )}
      </Card>
    </div>
  );
}

function ViolationFilters({
  app,
  messageKey,
  apps,
  keys,
}: {
  app?: string;
  messageKey?: string;
  apps: string[];
  keys: string[];
}) {
  const [keyText, setKeyText] = useState(messageKey ?? '');
  useEffect(() => setKeyText(messageKey ?? ''), [messageKey]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate({ page: 'violations', app, key: keyText.trim() || undefined });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter violations">
      <AppSelect
        app={app ?? ''}
        apps={apps}
        onChange={(choice) => navigate({ page: 'violations', app: choice || undefined, key: messageKey })}
      />
      <label className="inline-field">
        <span>Message key</span>
        <input
          type="search"
          list="message-keys"
          value={keyText}
          placeholder="any"
          onChange={(e) => setKeyText(e.target.value)}
        />
        <datalist id="message-keys">
          {keys.map((key) => (
            <option key={key} value={key} />
          ))}
        </datalist>
      </label>
      <button type="submit" className="button">
        Filter
      </button>
      {(app || messageKey) && (
        <a className="button button-ghost" href={href({ page: 'violations' })}>
          Clear
        </a>
      )}
    </form>
  );
}
