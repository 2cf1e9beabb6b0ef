// One log line shown whole (wrapped), with everything it is tagged with.
import type { LogLine } from '../../../src/core/model.ts';
import { fullTime } from '../format.ts';
import { AnsiText } from './ansi-text.tsx';

export function LineDetail({ line, onClose }: { line: LogLine; onClose: () => void }) {
  const tags: [string, string | null][] = [
    ['time', fullTime(line.at)], ['host', line.host], ['app', line.app], ['env', line.env], ['stream', line.stream],
    ['level', line.level], ['run', line.runId], ['deployment', line.deploymentId], ['id', String(line.id)],
  ];
  return (
    <section className="line-detail" aria-label="Selected line">
      <div className="line-detail-head">
        <dl>
          {tags.filter(([, v]) => v).map(([k, v]) => (
            <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
          ))}
        </dl>
        <button type="button" className="button small" onClick={onClose} aria-label="Close the selected line">✕</button>
      </div>
      <pre className="line-detail-text"><AnsiText text={line.text} /></pre>
    </section>
  );
}
