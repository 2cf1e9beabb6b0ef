import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../auth/tokens.ts';
import { UploadTokens } from './upload-tokens.ts';

const subject = { jobId: 'job-1', agentId: 'agent-1', commandId: 'cmd-1' };

describe('UploadTokens', () => {
  it('gives the same token for the same job, runner and command, and stores only its hash', () => {
    const key = randomBytes(32);
    const token = new UploadTokens(key).tokenFor(subject);
    expect(token).toMatch(/^swu_[A-Za-z0-9_-]{43}$/);
    expect(new UploadTokens(key).tokenFor(subject)).toBe(token);
    expect(new UploadTokens(key).hashFor(subject)).toBe(hashToken(token));
  });

  it('gives another token for another job, runner, command or server key', () => {
    const key = randomBytes(32);
    const tokens = new UploadTokens(key);
    const token = tokens.tokenFor(subject);
    expect(tokens.tokenFor({ ...subject, jobId: 'job-2' })).not.toBe(token);
    expect(tokens.tokenFor({ ...subject, agentId: 'agent-2' })).not.toBe(token);
    expect(tokens.tokenFor({ ...subject, commandId: 'cmd-2' })).not.toBe(token);
    expect(new UploadTokens(randomBytes(32)).tokenFor(subject)).not.toBe(token);
  });
});
