// A log pane: lines of many hosts in time order, each with its time, host, level and stream,
// virtualised, following the newest line until the reader scrolls up; a click on a line shows
// it whole.
import { useCallback, useRef, useState, type CSSProperties } from 'react';
import type { LogLine } from '../../../src/core/model.ts';
import { hostHue } from '../components/host-colour.ts';
import { clockTime, fullTime } from '../format.ts';
import { AnsiText } from './ansi-text.tsx';
import { LineDetail } from './line-detail.tsx';
import type { LogFeed } from './use-log-feed.ts';
import { VirtualList, type VirtualListHandle } from './virtual-list.tsx';

const rowHeight = 22;

export interface LogViewProps {
  feed: LogFeed;
  label: string;
  emptyText: string;
  /** Hide the stream column (the run page has room for less). */
  compact?: boolean;
}

export function LogView({ feed, label, emptyText, compact }: LogViewProps) {
  const { buffer } = feed;
  const [follow, setFollow] = useState(true);
  const [selected, setSelected] = useState<LogLine>();
  const list = useRef<VirtualListHandle>(null);

  const loadOlder = feed.loadOlder;
  const nearStart = useCallback(() => {
    if (!feed.hasOlder || feed.loadingOlder) return;
    const first = list.current?.firstVisible() ?? 0;
    void loadOlder().then((added) => {
      if (added) list.current?.scrollToIndex(first + added);
    });
  }, [feed.hasOlder, feed.loadingOlder, loadOlder]);

  const renderRow = (index: number) => {
    const line = buffer.at(index);
    if (!line) return null;
    return (
      <div
        key={line.id}
        className={`log-row${line.level ? ` level-${line.level.toLowerCase()}` : ''}${selected?.id === line.id ? ' selected' : ''}`}
        style={{ height: rowHeight }}
        onClick={() => setSelected(selected?.id === line.id ? undefined : line)}
        data-host={line.host}
      >
        <time className="log-time" dateTime={new Date(line.at).toISOString()} title={fullTime(line.at)}>{clockTime(line.at)}</time>
        <span className="log-host" style={{ '--hue': hostHue(line.host) } as CSSProperties} title={line.host}>{line.host}</span>
        {!compact && <span className="log-stream" title={line.stream}>{line.stream}</span>}
        <span className="log-level">{line.level ? line.level.slice(0, 5).toUpperCase() : ''}</span>
        <span className="log-text"><AnsiText text={line.text} /></span>
      </div>
    );
  };

  return (
    <div className={`log-view${compact ? ' compact' : ''}`}>
      {feed.error && <div className="log-banner tone-fail" role="alert">{feed.error.message}</div>}
      {buffer.length === 0 ? (
        <div className="log-empty">{feed.loading ? 'Loading lines…' : emptyText}</div>
      ) : (
        <VirtualList
          ref={list}
          count={buffer.length}
          rowHeight={rowHeight}
          renderRow={renderRow}
          follow={follow}
          onAtEndChange={setFollow}
          onNearStart={nearStart}
          label={label}
          className="log-list"
        />
      )}
      {feed.loadingOlder && <div className="log-loading-older">Loading older lines…</div>}
      {!follow && buffer.length > 0 && (
        <button type="button" className="button jump-latest" onClick={() => { setFollow(true); list.current?.scrollToEnd(); }}>
          ↓ Latest
        </button>
      )}
      {selected && <LineDetail line={selected} onClose={() => setSelected(undefined)} />}
    </div>
  );
}
