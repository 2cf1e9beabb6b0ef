// One-time artifact upload tokens (issue 7): a build job's command carries a token bound to the
// job and the runner it was given to; `PUT /api/v1/artifacts` records an upload only with it.
//
// The server stores only the token's hash (written when the job is handed out, in the same
// transaction). The token itself is derived, not kept: an HMAC of (job, runner, command) under a
// key derived from the server's secret key. So the gateway can put the same token into the
// command each time it delivers it (after a reconnect, after a server restart; the runner keeps
// the token of the first delivery, since it runs a command once), and neither the database nor
// the command as stored holds it. Several server instances share the secret key, so they agree.
import { createHmac, hkdfSync } from 'node:crypto';
import { hashToken } from '../auth/tokens.ts';

/** The header that carries the upload token, beside the runner's own bearer token. */
export const UPLOAD_TOKEN_HEADER = 'x-slipway-upload-token';

export interface UploadTokenSubject {
  jobId: string;
  agentId: string;
  commandId: string;
}

export class UploadTokens {
  private readonly key: Buffer;

  /** `secretKey`: the server's secret key (secret-key.ts); a key of its own is derived from it. */
  constructor(secretKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'slipway artifact upload tokens', 32));
  }

  /** The upload token of this job, runner and command: the same every time it is asked for. */
  tokenFor(subject: UploadTokenSubject): string {
    const mac = createHmac('sha256', this.key).update(`${subject.jobId}\n${subject.agentId}\n${subject.commandId}`).digest('base64url');
    return `swu_${mac}`;
  }

  /** What the store keeps of the token. */
  hashFor(subject: UploadTokenSubject): string {
    return hashToken(this.tokenFor(subject));
  }
}
