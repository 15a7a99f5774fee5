// The web client's model: the session, channels, messages, the v2 socket, the outbox. No DOM here; the
// UI (app.js) renders `store.state` and calls the actions. Everything goes through the documented APIs:
// Auth, Files and Presence on their own ports of this server (CORS allows this page), Messaging here.

import { ApiError, createApi, problemMessage } from "./shared/api.js";
import { reconnectingSocket } from "./shared/socket.js";
import { fmtBytes } from "./shared/format.js";

const SESSION_KEY = "ziyad.client.session";
const PAGE = 50;
const CATCH_UP_PAGE = 500;
const ACK_TIMEOUT_MS = 15000;
const TYPING_SEND_MS = 2500;
const TYPING_SHOW_MS = 5000;

// ---------- text (CONTRACT §8: text content is base64 of UTF-8)

export function encodeText(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function decodeText(base64) {
  try {
    const binary = atob(base64 ?? "");
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  } catch {
    return "";
  }
}

export const utf8Length = (text) => new TextEncoder().encode(text).length;

/** A file message's content: {file_id, key, name, size, mime}, or null when it is not readable. */
export function decodeFile(message) {
  try {
    const file = JSON.parse(decodeText(message.content));
    return file && typeof file.file_id === "string" && typeof file.key === "string" ? file : null;
  } catch {
    return null;
  }
}

export const isText = (message) => message.type === 1 || message.type === 2;
export const MENTION = /(^|[^\w@])@([a-zA-Z0-9_.-]{1,32})/g;

function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------- the store

function loadSession() {
  try { return JSON.parse(sessionStorage.getItem(SESSION_KEY)); } catch { return null; }
}

export const store = {
  state: {
    session: loadSession(),    // {token, user_id}
    me: null,                  // {id, username, full_name}
    config: null,              // {ports, max_content_bytes, max_upload_bytes}
    channels: new Map(),       // id → channel from GET /channels
    users: new Map(),          // id → {id, username, full_name}
    presence: new Map(),       // user id → 0..3
    timelines: new Map(),      // channel id → {messages: [] by seq, hasOlder, loading, loaded}
    outbox: [],                // {client_msg_id, channel_id, root_id, type, content, text, status, error}
    active: null,              // channel id on screen
    typing: new Map(),         // channel id → Map(user id → until ms)
    connection: "offline",     // connecting | online | offline
    retryAt: 0,
    panel: null,               // {kind: "thread", root_id, channel_id} | {kind: "search"} | {kind: "pins", channel_id}
    thread: null,              // {root, replies, loading, error}
    search: { q: "", results: [], next_cursor: null, loading: false, error: null },
    pins: { channel_id: null, list: [], loading: false, error: null, unsupported: false },
    pinned: new Set(),         // message ids known to be pinned
    mentioned: new Set(),      // message ids that mention me
    uploads: [],               // {id, name, size, loaded, error, xhr}
    notice: null,              // one line for the login page
    highlight: null,           // {id, n}: the message to scroll to and flash after a jump (n tells jumps apart)
  },
  listeners: new Set(),
  version: 0,
  emit() {
    this.version++;
    for (const listener of this.listeners) listener(this.version);
  },
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  },
};

const S = store.state;
let socket = null;
let notifiedIds = new Set();
let lastTypingSent = new Map();
let readTimer = null;

const wsBase = () => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
/** This server's origin on another module's port, on the host name the browser used (IPv6 included). */
const portBase = (module) => {
  const url = new URL(location.origin);
  url.port = String(S.config.ports[module]);
  return url.origin;
};
const token = () => S.session?.token ?? null;
const onUnauthorized = (path) => { if (path === "/login") return false; endSession("Your session has ended. Log in again."); return true; };

export const messaging = createApi({ token, onUnauthorized });
export const auth = createApi({ base: () => portBase("auth"), token, onUnauthorized });
const presenceApi = createApi({ base: () => portBase("presence"), token, onUnauthorized });

// ---------- session

export async function boot() {
  S.config = await messaging("GET", "/client-config");
  if (S.session?.token) {
    try {
      await enter();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) endSession(e.message);
    }
  }
  store.emit();
}

export async function login(username, password) {
  const result = await auth("POST", "/login", { username, password });
  S.session = { token: result.token, user_id: result.user_id };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(S.session));
  S.notice = null;
  await enter();
}

export async function logout() {
  try { await auth("POST", "/logout"); } catch { /* the session ends here anyway */ }
  endSession("You have logged out.");
}

function endSession(notice) {
  socket?.close();
  socket = null;
  sessionStorage.removeItem(SESSION_KEY);
  for (const upload of S.uploads) upload.xhr?.abort();
  Object.assign(S, {
    session: null, me: null, channels: new Map(), users: new Map(), presence: new Map(), timelines: new Map(), outbox: [],
    active: null, typing: new Map(), connection: "offline", panel: null, thread: null, uploads: [], notice,
    pinned: new Set(), mentioned: new Set(), search: { q: "", results: [], next_cursor: null, loading: false, error: null },
  });
  notifiedIds = new Set();
  store.emit();
}

async function enter() {
  S.me = await auth("GET", "/me");
  await Promise.all([loadChannels(), loadUsers()]);
  connect();
  const wanted = location.hash.startsWith("#/c/") ? decodeURIComponent(location.hash.slice(4)) : null;
  await openChannel(wanted && S.channels.has(wanted) ? wanted : S.channels.has("general") ? "general" : [...S.channels.keys()][0] ?? null);
  loadPresence();
}

// ---------- directory, channels, presence

async function loadChannels() {
  const { channels } = await messaging("GET", "/channels");
  const next = new Map();
  for (const channel of channels) {
    // Before the server counts mentions (mention_count), keep the ones this tab counted.
    next.set(channel.id, { ...channel, mention_count: channel.mention_count ?? S.channels.get(channel.id)?.mention_count ?? 0 });
  }
  S.channels = next;
  store.emit();
}

async function loadUsers() {
  const { members } = await messaging("GET", "/channel-members?channel_id=general");
  S.users = new Map(members.map((m) => [m.id, m]));
}

async function loadPresence() {
  const ids = [...S.users.keys()].slice(0, 300);
  await Promise.all(ids.map(async (id) => {
    try {
      const status = await presenceApi("GET", `/status?user_id=${encodeURIComponent(id)}`);
      S.presence.set(id, status.status);
    } catch { /* presence is a nicety */ }
  }));
  store.emit();
}

export const userName = (id) => {
  const user = S.users.get(id);
  return user ? (user.full_name || user.username) : id === S.me?.id ? S.me.full_name || S.me.username : "Unknown user";
};

export function channelTitle(channel) {
  if (!channel) return "";
  if (channel.type === "dm") return userName(channel.peer_id);
  return channel.name;
}

export async function startDirect(userId) {
  const { channel_id } = await messaging("POST", "/dm", { target_user_id: userId });
  if (!S.channels.has(channel_id)) await loadChannels();
  if (!S.channels.has(channel_id)) {
    const peer = S.users.get(userId);
    S.channels.set(channel_id, { id: channel_id, name: peer?.username ?? userId, type: "dm", peer_id: userId, last_seq: 0, last_read_seq: 0, unread_count: 0, mention_count: 0 });
  }
  await openChannel(channel_id);
}

// ---------- timelines

function timeline(channelId) {
  let t = S.timelines.get(channelId);
  if (!t) {
    t = { messages: [], hasOlder: true, loading: false, loaded: false, error: null };
    S.timelines.set(channelId, t);
  }
  return t;
}

const lastSeq = (t) => (t.messages.length ? t.messages[t.messages.length - 1].seq : 0);

/** Adds or replaces messages by seq: never twice, always in order. Returns the ones that were new. */
function merge(channelId, incoming) {
  const t = timeline(channelId);
  const fresh = [];
  for (const message of incoming) {
    const list = t.messages;
    // Most arrive at the end; search backwards from there.
    let i = list.length - 1;
    while (i >= 0 && list[i].seq > message.seq) i--;
    if (i >= 0 && list[i].seq === message.seq) {
      list[i] = { ...list[i], ...message };
    } else {
      list.splice(i + 1, 0, message);
      fresh.push(message);
    }
  }
  return fresh;
}

function findMessage(id) {
  for (const [channelId, t] of S.timelines) {
    const message = t.messages.find((m) => m.id === id);
    if (message) return { channelId, message };
  }
  if (S.thread?.root?.id === id) return { channelId: S.thread.root.channel_id, message: S.thread.root };
  const reply = S.thread?.replies.find((m) => m.id === id);
  return reply ? { channelId: reply.channel_id, message: reply } : null;
}

function patchMessage(id, patch) {
  for (const t of S.timelines.values()) {
    const i = t.messages.findIndex((m) => m.id === id);
    if (i >= 0) t.messages[i] = { ...t.messages[i], ...(typeof patch === "function" ? patch(t.messages[i]) : patch) };
  }
  if (S.thread) {
    if (S.thread.root?.id === id) S.thread.root = { ...S.thread.root, ...(typeof patch === "function" ? patch(S.thread.root) : patch) };
    S.thread.replies = S.thread.replies.map((m) => (m.id === id ? { ...m, ...(typeof patch === "function" ? patch(m) : patch) } : m));
  }
  for (const hit of S.search.results) {
    if (hit.id === id) Object.assign(hit, typeof patch === "function" ? patch(hit) : patch);
  }
}

export async function openChannel(channelId) {
  S.active = channelId;
  S.highlight = null;
  if (S.panel?.kind === "pins") S.panel = { kind: "pins", channel_id: channelId };
  if (channelId) history.replaceState(null, "", `#/c/${encodeURIComponent(channelId)}`);
  store.emit();
  if (!channelId) return;
  const t = timeline(channelId);
  if (!t.loaded) await loadLatest(channelId);
  markRead(channelId);
  loadPins(channelId, { quiet: true });
}

async function loadLatest(channelId) {
  const t = timeline(channelId);
  t.loading = true;
  store.emit();
  try {
    const page = await messaging("GET", `/history?channel_id=${encodeURIComponent(channelId)}&limit=${PAGE}`);
    // Live messages kept from before this first page may be older than it with holes between: older
    // history comes by scrolling back, from the page's start.
    if (page.length) t.messages = t.messages.filter((m) => m.seq >= page[0].seq);
    merge(channelId, page);
    t.loaded = true;
    t.hasOlder = page.length === PAGE && page[0]?.seq > 1;
    t.error = null;
  } catch (e) {
    t.error = e.message;
  } finally {
    t.loading = false;
    store.emit();
  }
}

export async function loadOlder(channelId) {
  const t = timeline(channelId);
  if (t.loading || !t.hasOlder || !t.messages.length) return;
  t.loading = true;
  store.emit();
  try {
    const before = t.messages[0].seq;
    const page = await messaging("GET", `/history?channel_id=${encodeURIComponent(channelId)}&before=${before}&limit=${PAGE}`);
    merge(channelId, page);
    t.hasOlder = page.length === PAGE && page[0]?.seq > 1;
  } catch (e) {
    t.error = e.message;
  } finally {
    t.loading = false;
    store.emit();
  }
}

/** After a reconnect or a gap: everything after the newest seq this tab has, page by page. */
async function catchUp(channelId) {
  const t = timeline(channelId);
  if (!t.loaded) return;
  for (let round = 0; round < 20; round++) {
    const after = lastSeq(t);
    const page = await messaging("GET", `/history?channel_id=${encodeURIComponent(channelId)}&after=${after}&limit=${CATCH_UP_PAGE}`);
    const fresh = merge(channelId, page);
    for (const message of fresh) afterNewMessage(message, { live: false });
    store.emit();
    if (page.length < CATCH_UP_PAGE) break;
  }
}

/** Loads older pages until the message with this seq is on hand (a jump from search or a pin). */
async function ensureLoaded(channelId, seq) {
  const t = timeline(channelId);
  if (!t.loaded) await loadLatest(channelId);
  for (let round = 0; round < 10 && t.messages.length && t.messages[0].seq > seq; round++) {
    const before = t.messages[0].seq;
    const limit = Math.min(1000, before - seq + 10);
    const page = await messaging("GET", `/history?channel_id=${encodeURIComponent(channelId)}&before=${before}&limit=${limit}`);
    merge(channelId, page);
    t.hasOlder = page.length === limit && page[0]?.seq > 1;
    if (!page.length) break;
  }
  store.emit();
}

export async function jumpTo(message) {
  const channelId = message.channel_id;
  if (S.active !== channelId) await openChannel(channelId);
  await ensureLoaded(channelId, message.seq);
  if (message.root_id) await openThread(message.root_id, channelId);
  S.highlight = { id: message.id, n: (S.highlight?.n ?? 0) + 1 };
  store.emit();
}

function markRead(channelId) {
  const channel = S.channels.get(channelId);
  const t = S.timelines.get(channelId);
  if (!channel || !t?.messages.length || document.visibilityState !== "visible") return;
  const seq = lastSeq(t);
  channel.unread_count = 0;
  channel.mention_count = 0;
  if (seq <= (channel.last_read_seq ?? 0)) { store.emit(); return; }
  channel.last_read_seq = seq;
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (!socket?.send({ event: "read", data: { channel_id: channelId, seq } })) {
      messaging("POST", "/read", { channel_id: channelId, seq }).catch(() => {});
    }
  }, 300);
  store.emit();
}

export function visibilityChanged() {
  if (document.visibilityState === "visible" && S.active) markRead(S.active);
}

// ---------- the socket (protocol v2)

function connect() {
  socket?.close();
  S.connection = "connecting";
  let wasOpen = false;
  socket = reconnectingSocket({
    url: () => `${wsBase()}/ws?v=2&token=${encodeURIComponent(token())}`,
    onOpen: async () => {
      S.connection = "online";
      store.emit();
      if (wasOpen) await resync();
      wasOpen = true;
      resendInFlight();
    },
    onMessage: onFrame,
    onClose: (event) => {
      S.connection = "offline";
      failInFlight();
      store.emit();
      return Boolean(token());
    },
    // A socket refused or closed for a revoked token: the session check sends the user to the login page.
    beforeRetry: async () => {
      if (!token()) return false;
      try {
        await auth("GET", "/me");
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return false;
      }
      S.connection = "connecting";
      store.emit();
      return true;
    },
  });
}

export function reconnectNow() {
  socket?.retryNow();
}

async function resync() {
  try {
    await loadChannels();
    for (const channelId of S.timelines.keys()) await catchUp(channelId);
    // Edits and deletions of recent messages made while offline.
    if (S.active) {
      const page = await messaging("GET", `/history?channel_id=${encodeURIComponent(S.active)}&limit=${PAGE}`);
      merge(S.active, page);
      markRead(S.active);
    }
    if (S.panel?.kind === "thread") await openThread(S.panel.root_id, S.panel.channel_id);
    store.emit();
  } catch { /* the next reconnect tries again */ }
}

function onFrame({ event, data }) {
  switch (event) {
    case "message": onMessage(data); break;
    case "ack": onAck(data); break;
    case "error": onSendError(data); break;
    case "message_updated": patchMessage(data.id, data); break;
    case "message_deleted": patchMessage(data.id, { deleted: true, content: "", reactions: [] }); break;
    case "typing": onTyping(data); break;
    case "read": if (data.user_id === S.me?.id) readElsewhere(data.channel_id, data.seq); break;
    case "presence": S.presence.set(data.user_id, data.status); break;
    case "reaction_added": patchMessage(data.message_id, (m) => ({ reactions: applyReaction(m.reactions, data.emoji, data.user_id, true) })); break;
    case "reaction_removed": patchMessage(data.message_id, (m) => ({ reactions: applyReaction(m.reactions, data.emoji, data.user_id, false) })); break;
    case "message_pinned": S.pinned.add(data.message_id); if (S.panel?.kind === "pins" && S.panel.channel_id === data.channel_id) loadPins(data.channel_id); break;
    case "message_unpinned": S.pinned.delete(data.message_id); S.pins.list = S.pins.list.filter((p) => p.id !== data.message_id); break;
    case "mention": onMention(data); break;
    default: return;
  }
  store.emit();
}

function onMessage(message) {
  const t = timeline(message.channel_id);
  let channel = S.channels.get(message.channel_id);
  if (!channel) {
    // A DM someone just started, or a channel one was added to.
    loadChannels().then(() => { if (S.channels.has(message.channel_id)) store.emit(); });
    channel = { id: message.channel_id, type: message.channel_id.startsWith("dm:") ? "dm" : "private", name: message.channel_id, unread_count: 0, mention_count: 0 };
    if (channel.type === "dm") channel.peer_id = message.channel_id.slice(3).split(":").find((id) => id !== S.me.id);
    S.channels.set(message.channel_id, channel);
  }
  if (t.loaded && message.seq > lastSeq(t) + 1) {
    // A gap (the socket was replaced, or a message raced the first page): fill it from history.
    catchUp(message.channel_id).catch(() => {});
  }
  // Kept even before the channel's first page arrives: that page then merges around it, so a message
  // committed between the page's query and its answer is not lost.
  const fresh = merge(message.channel_id, [message]);
  channel.last_seq = Math.max(channel.last_seq ?? 0, message.seq);
  if (message.sender_id === S.me.id && message.client_msg_id) removeFromOutbox(message.client_msg_id);
  if (fresh.length) afterNewMessage(message, { live: true });
}

/** Counts, thread bookkeeping and notifications for a message seen for the first time. */
function afterNewMessage(message, { live }) {
  const channel = S.channels.get(message.channel_id);
  const mine = message.sender_id === S.me.id;
  const mentionsMe = !mine && isText(message) && mentions(decodeText(message.content));
  if (mentionsMe) S.mentioned.add(message.id);
  if (message.root_id) {
    // A root fetched after this reply already counts it (its last_reply_at is not older).
    patchMessage(message.root_id, (root) => ((root.last_reply_at ?? 0) < message.timestamp
      ? { reply_count: (root.reply_count ?? 0) + 1, last_reply_at: message.timestamp } : {}));
    if (S.thread?.root?.id === message.root_id && !S.thread.replies.some((r) => r.id === message.id)) {
      S.thread.replies = [...S.thread.replies, message].sort((a, b) => a.seq - b.seq);
    }
  }
  const watching = S.active === message.channel_id && document.visibilityState === "visible";
  if (channel && !mine && !message.deleted) {
    if (watching) markRead(message.channel_id);
    else if (message.seq > (channel.last_read_seq ?? 0)) {
      channel.unread_count = (channel.unread_count ?? 0) + 1;
      if (mentionsMe) channel.mention_count = (channel.mention_count ?? 0) + 1;
    }
  }
  if (live && !mine && (channel?.type === "dm" || mentionsMe)) notify(message);
}

// The user's read cursor moved: in another tab, or this tab's own read coming back. Our own comes back
// after messages that arrived meanwhile were counted, so it must not clear them: only what is at or
// below the cursor is read.
function readElsewhere(channelId, seq) {
  const channel = S.channels.get(channelId);
  if (!channel || seq <= (channel.last_read_seq ?? 0)) return;
  channel.last_read_seq = seq;
  const after = (S.timelines.get(channelId)?.messages ?? []).filter((m) => m.seq > seq && m.sender_id !== S.me?.id && !m.deleted);
  channel.unread_count = after.length;
  channel.mention_count = after.filter((m) => S.mentioned.has(m.id)).length;
}

function mentions(text) {
  const name = S.me.username.toLowerCase();
  for (const match of text.matchAll(MENTION)) {
    const who = match[2].toLowerCase().replace(/[.]+$/, "");
    if (who === name || who === "channel" || who === "here" || who === "all") return true;
  }
  return false;
}

function onMention(data) {
  if (S.mentioned.has(data.message_id)) return;
  S.mentioned.add(data.message_id);
  const found = findMessage(data.message_id);
  if (found) notify(found.message);
}

function applyReaction(reactions = [], emoji, userId, add) {
  const list = reactions.map((r) => ({ ...r, user_ids: [...(r.user_ids ?? [])] }));
  let entry = list.find((r) => r.emoji === emoji);
  if (add) {
    if (!entry) { entry = { emoji, count: 0, user_ids: [] }; list.push(entry); }
    if (!entry.user_ids.includes(userId)) { entry.user_ids.push(userId); entry.count = entry.user_ids.length; }
  } else if (entry) {
    entry.user_ids = entry.user_ids.filter((id) => id !== userId);
    entry.count = entry.user_ids.length;
  }
  return list.filter((r) => r.count > 0);
}

function onTyping({ channel_id, user_id }) {
  if (user_id === S.me?.id) return;
  let users = S.typing.get(channel_id);
  if (!users) S.typing.set(channel_id, users = new Map());
  users.set(user_id, Date.now() + TYPING_SHOW_MS);
  setTimeout(() => store.emit(), TYPING_SHOW_MS + 50);
}

export function typingIn(channelId) {
  const users = S.typing.get(channelId);
  if (!users) return [];
  const now = Date.now();
  return [...users].filter(([, until]) => until > now).map(([id]) => id);
}

export function userTyping(channelId) {
  const now = Date.now();
  if (now - (lastTypingSent.get(channelId) ?? 0) < TYPING_SEND_MS) return;
  lastTypingSent.set(channelId, now);
  socket?.send({ event: "typing", data: { channel_id: channelId } });
}

// ---------- notifications

export const notificationsSupported = () => "Notification" in window;

export async function enableNotifications() {
  if (!notificationsSupported()) return "unsupported";
  const result = await Notification.requestPermission();
  store.emit();
  return result;
}

function notify(message) {
  if (notifiedIds.has(message.id) || document.visibilityState === "visible") return;
  if (!notificationsSupported() || Notification.permission !== "granted") return;
  notifiedIds.add(message.id);
  const channel = S.channels.get(message.channel_id);
  const from = userName(message.sender_id);
  const title = channel?.type === "dm" ? from : `${from} in #${channelTitle(channel)}`;
  const body = isText(message) ? decodeText(message.content).slice(0, 180) : message.type === 3 ? `sent a file: ${decodeFile(message)?.name ?? ""}` : "New message";
  try {
    const note = new Notification(title, { body, tag: message.id });
    note.onclick = () => { window.focus(); jumpTo(message); note.close(); };
  } catch { /* some browsers only allow notifications from a service worker */ }
}

// ---------- sending, the outbox

/** Checks a message before it goes: returns an error sentence, or null. */
export function checkText(text) {
  if (!text.trim()) return "Type a message first.";
  const size = utf8Length(text);
  const max = S.config.max_content_bytes;
  if (size > max) return `This message is ${fmtBytes(size)}; the limit is ${fmtBytes(max)}. Shorten it, or send it as a file.`;
  return null;
}

export function sendText(channelId, text, rootId = null) {
  const problem = checkText(text);
  if (problem) return problem;
  queue({ channel_id: channelId, root_id: rootId, type: 1, content: encodeText(text), text });
  return null;
}

function queue(entry) {
  const item = { client_msg_id: newClientId(), status: "sending", error: null, ...entry };
  S.outbox.push(item);
  transmit(item);
  store.emit();
}

function transmit(item) {
  item.status = "sending";
  item.error = null;
  const data = { channel_id: item.channel_id, type: item.type, content: item.content, client_msg_id: item.client_msg_id };
  if (item.root_id) data.root_id = item.root_id;
  if (!socket?.send({ event: "send", data })) {
    item.status = "failed";
    item.error = "Not sent: you are offline.";
    return;
  }
  clearTimeout(item.timer);
  item.timer = setTimeout(() => {
    if (item.status === "sending") { item.status = "failed"; item.error = "Not sent: no answer from the server."; store.emit(); }
  }, ACK_TIMEOUT_MS);
}

/** Sends again with the same client_msg_id: the server stores it at most once. */
export function retry(clientMsgId) {
  const item = S.outbox.find((i) => i.client_msg_id === clientMsgId);
  if (item) { transmit(item); store.emit(); }
}

export function discard(clientMsgId) {
  removeFromOutbox(clientMsgId);
  store.emit();
}

function removeFromOutbox(clientMsgId) {
  const item = S.outbox.find((i) => i.client_msg_id === clientMsgId);
  if (item) clearTimeout(item.timer);
  S.outbox = S.outbox.filter((i) => i.client_msg_id !== clientMsgId);
}

function onAck(ack) {
  const item = S.outbox.find((i) => i.client_msg_id === ack.client_msg_id);
  if (!item) return;
  // The ack may come before the message event: show the message now; the event then just confirms it.
  const message = {
    id: ack.message_id, channel_id: ack.channel_id, sender_id: S.me.id, timestamp: ack.timestamp, seq: ack.seq,
    type: item.type, content: item.content, nonce: null, signature: null, client_msg_id: item.client_msg_id,
    root_id: item.root_id ?? null, edited_at: null, deleted: false, reactions: [],
  };
  removeFromOutbox(ack.client_msg_id);
  const t = timeline(ack.channel_id);
  if (t.loaded && ack.seq > lastSeq(t) + 1) catchUp(ack.channel_id).catch(() => {});
  const fresh = merge(ack.channel_id, [message]);
  if (fresh.length) afterNewMessage(message, { live: true });
  markRead(ack.channel_id);
}

function onSendError(error) {
  const item = S.outbox.find((i) => i.client_msg_id === error.client_msg_id);
  if (!item) return;
  clearTimeout(item.timer);
  item.status = "failed";
  item.error = error.error ?? problemMessage(error.status, error);
}

function failInFlight() {
  for (const item of S.outbox) {
    if (item.status === "sending") { clearTimeout(item.timer); item.status = "interrupted"; }
  }
}

/** Messages cut off by a dropped socket go again on the new one (same client_msg_id: never twice). */
function resendInFlight() {
  for (const item of S.outbox) if (item.status === "interrupted") transmit(item);
  store.emit();
}

export function pendingFor(channelId, rootId = null) {
  return S.outbox.filter((i) => i.channel_id === channelId && (i.root_id ?? null) === rootId);
}

// ---------- edit, delete, reactions, pins, threads, search

export async function editMessage(message, text) {
  const problem = checkText(text);
  if (problem) throw new ApiError(400, problem);
  const updated = await messaging("PUT", `/messages/${encodeURIComponent(message.id)}`, { content: encodeText(text), type: message.type });
  patchMessage(message.id, updated);
  store.emit();
}

export async function deleteMessage(message) {
  await messaging("DELETE", `/messages/${encodeURIComponent(message.id)}`);
  patchMessage(message.id, { deleted: true, content: "", reactions: [] });
  store.emit();
}

export async function toggleReaction(message, emoji) {
  const mine = (message.reactions ?? []).some((r) => r.emoji === emoji && (r.user_ids ?? []).includes(S.me.id));
  await messaging(mine ? "DELETE" : "PUT", `/messages/${encodeURIComponent(message.id)}/reactions/${encodeURIComponent(emoji)}`);
  patchMessage(message.id, (m) => ({ reactions: applyReaction(m.reactions, emoji, S.me.id, !mine) }));
  store.emit();
}

export async function togglePin(message) {
  const pinned = S.pinned.has(message.id);
  await messaging(pinned ? "DELETE" : "PUT", `/messages/${encodeURIComponent(message.id)}/pin`);
  if (pinned) S.pinned.delete(message.id); else S.pinned.add(message.id);
  if (S.panel?.kind === "pins") await loadPins(message.channel_id);
  store.emit();
}

export async function loadPins(channelId, { quiet = false } = {}) {
  if (!quiet) { S.pins = { ...S.pins, channel_id: channelId, loading: true, error: null }; store.emit(); }
  try {
    const { pins } = await messaging("GET", `/pins?channel_id=${encodeURIComponent(channelId)}`);
    for (const pin of pins) S.pinned.add(pin.id);
    if (S.active === channelId || !quiet) S.pins = { channel_id: channelId, list: pins, loading: false, error: null, unsupported: false };
  } catch (e) {
    if (!quiet) S.pins = { channel_id: channelId, list: [], loading: false, error: e.status === 404 ? null : e.message, unsupported: e.status === 404 };
  }
  store.emit();
}

export async function openThread(rootId, channelId) {
  S.panel = { kind: "thread", root_id: rootId, channel_id: channelId };
  const found = findMessage(rootId);
  S.thread = { root: found?.message ?? null, replies: S.thread?.root?.id === rootId ? S.thread.replies : [], loading: true, error: null };
  store.emit();
  try {
    const result = await messaging("GET", `/threads/${encodeURIComponent(rootId)}?limit=1000`);
    if (S.panel?.kind === "thread" && S.panel.root_id === rootId) {
      // The answer may be older than a reply that arrived (or was acked) while it was on its way:
      // keep what is already known, never count down.
      const known = new Map((S.thread?.replies ?? []).map((r) => [r.id, r]));
      for (const reply of result.replies) known.set(reply.id, reply);
      const current = findMessage(rootId)?.message;
      const count = Math.max(result.root.reply_count ?? 0, current?.reply_count ?? 0, known.size);
      const last = Math.max(result.root.last_reply_at ?? 0, current?.last_reply_at ?? 0) || null;
      S.thread = { root: { ...result.root, reply_count: count, last_reply_at: last }, replies: [...known.values()].sort((a, b) => a.seq - b.seq), loading: false, error: null };
      patchMessage(rootId, { reply_count: count, last_reply_at: last });
    }
  } catch (e) {
    if (S.thread) S.thread = { ...S.thread, loading: false, error: e.status === 404 ? "Threads are not available on this server yet." : e.message };
  }
  store.emit();
}

export function openPanel(panel) {
  S.panel = panel;
  if (panel?.kind === "pins") loadPins(panel.channel_id);
  store.emit();
}

export async function search(q, { more = false } = {}) {
  const query = q.trim();
  if (!query) { S.search = { q: "", results: [], next_cursor: null, loading: false, error: "Type something to search for." }; store.emit(); return; }
  if (query.length > 256) { S.search = { ...S.search, error: "A search is at most 256 characters." }; store.emit(); return; }
  S.panel = { kind: "search" };
  S.search = { ...S.search, q: query, loading: true, error: null, ...(more ? {} : { results: [], next_cursor: null }) };
  store.emit();
  try {
    const cursor = more && S.search.next_cursor ? `&cursor=${encodeURIComponent(S.search.next_cursor)}` : "";
    const page = await messaging("GET", `/search?q=${encodeURIComponent(query)}&limit=25${cursor}`);
    S.search = { q: query, results: more ? [...S.search.results, ...page.results] : page.results, next_cursor: page.next_cursor, loading: false, error: null };
  } catch (e) {
    S.search = { ...S.search, loading: false, error: e.status === 404 ? "Search is not available on this server yet." : e.message };
  }
  store.emit();
}

// ---------- files

/** Uploads each file (with progress) to Files, then posts a file message (type 3) into the channel. */
export function uploadFiles(channelId, files, rootId = null) {
  const problems = [];
  for (const file of files) {
    const max = S.config.max_upload_bytes;
    if (max > 0 && file.size > max) {
      problems.push(`"${file.name}" is ${fmtBytes(file.size)}; this server accepts files up to ${fmtBytes(max)}.`);
      continue;
    }
    if (file.size === 0) {
      problems.push(`"${file.name}" is empty.`);
      continue;
    }
    startUpload(channelId, file, rootId);
  }
  store.emit();
  return problems;
}

function startUpload(channelId, file, rootId) {
  const upload = { id: newClientId(), channel_id: channelId, name: file.name, size: file.size, loaded: 0, error: null, xhr: new XMLHttpRequest() };
  S.uploads.push(upload);
  const xhr = upload.xhr;
  xhr.open("POST", `${portBase("files")}/upload`);
  xhr.setRequestHeader("Authorization", `Bearer ${token()}`);
  xhr.upload.onprogress = (e) => { upload.loaded = e.loaded; store.emit(); };
  xhr.onerror = () => { upload.error = "The upload failed: the server cannot be reached."; store.emit(); };
  xhr.onabort = () => { S.uploads = S.uploads.filter((u) => u !== upload); store.emit(); };
  xhr.onload = () => {
    let data = null;
    try { data = JSON.parse(xhr.responseText); } catch { data = null; }
    if (xhr.status === 401) { endSession("Your session has ended. Log in again."); return; }
    if (xhr.status !== 201 || !data) { upload.error = problemMessage(xhr.status, data); store.emit(); return; }
    S.uploads = S.uploads.filter((u) => u !== upload);
    const mime = file.type || "application/octet-stream";
    const content = encodeText(JSON.stringify({ file_id: data.file_id, key: data.key, name: data.name ?? file.name, size: data.size ?? file.size, mime }));
    queue({ channel_id: channelId, root_id: rootId, type: 3, content, text: `File: ${file.name}` });
  };
  const form = new FormData();
  form.append("file", file, file.name);
  xhr.send(form);
}

export function cancelUpload(id) {
  const upload = S.uploads.find((u) => u.id === id);
  if (!upload) return;
  if (upload.error) { S.uploads = S.uploads.filter((u) => u !== upload); store.emit(); } else upload.xhr.abort();
}

const blobs = new Map();

/** The plaintext of a file message, fetched through the server with the key the message carries. */
export async function fetchFile(file) {
  if (blobs.has(file.file_id)) return blobs.get(file.file_id);
  const promise = (async () => {
    let response;
    try {
      response = await fetch(`${portBase("files")}/download?id=${encodeURIComponent(file.file_id)}`, {
        headers: { Authorization: `Bearer ${token()}`, "X-File-Key": file.key },
      });
    } catch {
      throw new ApiError(0, "The server cannot be reached.");
    }
    if (!response.ok) {
      let data = null;
      try { data = await response.json(); } catch { data = null; }
      throw new ApiError(response.status, problemMessage(response.status, data));
    }
    return await response.blob();
  })();
  blobs.set(file.file_id, promise);
  promise.catch(() => blobs.delete(file.file_id));
  return promise;
}

export async function downloadFile(file) {
  const blob = await fetchFile(file);
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = file.name || "download";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
