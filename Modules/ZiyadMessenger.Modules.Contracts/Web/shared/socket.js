// Shared by the admin dashboard and the web client: a WebSocket that reconnects by itself with
// exponential backoff (1 s, 2 s, 4 s … up to maxDelay, with a little jitter so a restarted server is not
// hit by every client in the same instant). Frames are JSON both ways.

/**
 * - `url()`: the address to connect to, asked before every attempt (the token may have changed).
 * - `onOpen()`, `onMessage(frame)`: as the names say; frames that are not JSON are ignored.
 * - `onClose(event)`: return false to stop reconnecting (the session ended).
 * - `beforeRetry()`: async; return false to stop (e.g. the session check failed).
 * Returns `{ send(object) → boolean, close(), get open(), retryNow() }`.
 */
export function reconnectingSocket({ url, onOpen, onMessage, onClose, beforeRetry, maxDelay = 30000 }) {
  let socket = null;
  let attempt = 0;
  let stopped = false;
  let timer = null;

  const connect = () => {
    if (stopped) return;
    const current = new WebSocket(url());
    socket = current;
    current.addEventListener("open", () => {
      if (socket !== current) return;
      attempt = 0;
      onOpen?.();
    });
    current.addEventListener("message", (message) => {
      if (socket !== current) return;
      let frame;
      try { frame = JSON.parse(message.data); } catch { return; }
      onMessage?.(frame);
    });
    current.addEventListener("close", (event) => {
      if (socket !== current) return;
      socket = null;
      if (stopped) return;
      if (onClose?.(event) === false) { stopped = true; return; }
      schedule();
    });
  };

  const schedule = () => {
    attempt++;
    const delay = Math.min(maxDelay, 1000 * 2 ** Math.min(attempt - 1, 5)) * (0.8 + Math.random() * 0.4);
    clearTimeout(timer);
    timer = setTimeout(retry, delay);
  };

  const retry = async () => {
    timer = null;
    if (stopped) return;
    if (beforeRetry && (await beforeRetry()) === false) { stopped = true; return; }
    connect();
  };

  connect();
  return {
    send(frame) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    get open() { return socket?.readyState === WebSocket.OPEN; },
    /** Skips the wait (e.g. the browser says it is online again). */
    retryNow() {
      if (stopped || socket) return;
      clearTimeout(timer);
      retry();
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      const s = socket;
      socket = null;
      if (s && s.readyState <= WebSocket.OPEN) s.close(1000, "bye");
    },
  };
}
