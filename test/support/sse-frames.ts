// Reads a Server-Sent Events response (a live tail, the event stream) frame by frame, as a browser
// would: each frame's fields (event, id, data) as a map.

/** Calls `onFrame` with the fields of every frame of `response`'s body, until it ends or is aborted. */
export async function readSseFrames(response: Response, onFrame: (fields: Map<string, string>) => void): Promise<void> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    const frames = text.split('\n\n');
    text = frames.pop()!;
    for (const frame of frames) onFrame(new Map(frame.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)])));
  }
}
