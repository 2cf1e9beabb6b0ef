// The search form of the Logs page: words, phrases and prefixes, plus host, environment, level,
// stream and time range; the rarer filters (app, run, deployment) behind "More".
import { useState, type FormEvent } from 'react';
import { lookBackChoices, type LogFilters } from './log-filters.ts';

export interface LogFilterBarProps {
  filters: LogFilters;
  hosts: string[];
  envs: string[];
  onSearch: (filters: LogFilters) => void;
}

export function LogFilterBar({ filters, hosts, envs, onSearch }: LogFilterBarProps) {
  const [draft, setDraft] = useState<LogFilters>(filters);
  const [more, setMore] = useState(Boolean(filters.app || filters.run || filters.deployment));
  const set = (key: keyof LogFilters, value: string) => setDraft((d) => ({ ...d, [key]: value || undefined }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(draft);
  };
  const pick = (key: keyof LogFilters, value: string) => {
    const next = { ...draft, [key]: value || undefined };
    setDraft(next);
    onSearch(next);
  };

  return (
    <form className="filter-bar" role="search" onSubmit={submit}>
      <div className="search-row">
        <input
          type="search"
          className="search-input"
          aria-label="Search the logs"
          placeholder={'Search: words, "a phrase", prefix*'}
          value={draft.q ?? ''}
          onChange={(e) => set('q', e.target.value)}
        />
        <button type="submit" className="button primary">Search</button>
      </div>
      <div className="filter-row">
        <Select label="Host" value={draft.host} options={hosts} onChange={(v) => pick('host', v)} />
        <Select label="Env" value={draft.env} options={envs} onChange={(v) => pick('env', v)} />
        <Select label="Level" value={draft.level} options={['error', 'warn', 'info', 'debug']} onChange={(v) => pick('level', v)} />
        <Select label="Stream" value={draft.stream} options={['app', 'deploy', 'job', 'server']} onChange={(v) => pick('stream', v)} />
        <Select label="Time" value={draft.last} options={lookBackChoices} anyLabel="all time" format={(v) => `last ${v}`} onChange={(v) => pick('last', v)} />
        <button type="button" className="button small quiet" aria-expanded={more} onClick={() => setMore(!more)}>{more ? 'Fewer filters' : 'More filters'}</button>
      </div>
      {more && (
        <div className="filter-row">
          <TextFilter label="App" value={draft.app} onChange={(v) => set('app', v)} />
          <TextFilter label="Run id" value={draft.run} onChange={(v) => set('run', v)} />
          <TextFilter label="Deployment id" value={draft.deployment} onChange={(v) => set('deployment', v)} />
        </div>
      )}
    </form>
  );
}

function Select({ label, value, options, onChange, anyLabel = 'any', format = (v: string) => v }: {
  label: string; value: string | undefined; options: string[]; onChange: (value: string) => void; anyLabel?: string; format?: (v: string) => string;
}) {
  const all = value && !options.includes(value) ? [value, ...options] : options;
  return (
    <label className="filter">
      <span>{label}</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">{anyLabel}</option>
        {all.map((o) => <option key={o} value={o}>{format(o)}</option>)}
      </select>
    </label>
  );
}

function TextFilter({ label, value, onChange }: { label: string; value: string | undefined; onChange: (value: string) => void }) {
  return (
    <label className="filter">
      <span>{label}</span>
      <input type="text" value={value ?? ''} onChange={(e) => onChange(e.target.value)} spellCheck={false} />
    </label>
  );
}
