// Ziyad Messenger web client: Preact + htm (vendored ES modules, no build step). Preact escapes every
// text it renders, so names and messages typed by anyone can never run as markup. State and the
// protocol live in chat.js; this file only renders them.

import { h, render } from "./vendor/preact.mjs";
import { useEffect, useLayoutEffect, useRef, useState, useMemo } from "./vendor/preact-hooks.mjs";
import htm from "./vendor/htm.mjs";
import { fmtBytes } from "./shared/format.js";
import * as chat from "./chat.js";

const html = htm.bind(h);
const S = chat.store.state;
const REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "👀", "✅", "🙏"];
const STATUS = ["offline", "online", "busy", "away"];

// Icons are drawn, not taken from a font: the office's machines may have no emoji font.
const ICONS = {
  attach: "M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9",
  pin: "M9 4h6l-1 6 4 3v2H6v-2l4-3z M12 15v6",
  reply: "M9 14L4 9l5-5 M4 9h10a6 6 0 0 1 6 6v5",
  smile: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z M8 14s1.5 2 4 2 4-2 4-2 M9 9.5h.01 M15 9.5h.01",
  edit: "M12 20h9 M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z",
  trash: "M3 6h18 M8 6V4h8v2 M19 6l-1 14H6L5 6 M10 11v6 M14 11v6",
  close: "M6 6l12 12 M18 6L6 18",
  menu: "M4 6h16 M4 12h16 M4 18h16",
  file: "M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z M14 3v6h6",
  lock: "M6 11h12v10H6z M8 11V7a4 4 0 0 1 8 0v4",
  plus: "M12 5v14 M5 12h14",
};

function Icon({ name }) {
  return html`<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"
    fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d=${ICONS[name]} /></svg>`;
}

function useStore() {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const unsubscribe = chat.store.subscribe(setVersion);
    // An effect runs after the first paint: what changed before it (boot's first answer, on a fast
    // server) was emitted to nobody, so catch up on it here, or the page stays at "Loading…".
    setVersion(chat.store.version);
    return unsubscribe;
  }, []);
}

const fmtClock = (ms) => new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
const fmtDay = (ms) => new Date(ms).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const dayOf = (ms) => new Date(ms).toDateString();

function errorText(e) {
  return e?.message || "Something went wrong. Try again.";
}

// ---------- toasts

let pushToast = () => {};
function Toasts() {
  const [items, setItems] = useState([]);
  pushToast = (text, kind = "info") => {
    const id = Math.random();
    setItems((list) => [...list, { id, text, kind }]);
    setTimeout(() => setItems((list) => list.filter((t) => t.id !== id)), kind === "error" ? 7000 : 3500);
  };
  return html`<div class="toasts" role="status" aria-live="polite">
    ${items.map((t) => html`<div key=${t.id} class=${`toast ${t.kind}`}>${t.text}</div>`)}
  </div>`;
}
export const toast = (text, kind) => pushToast(text, kind);

// ---------- login

function Login() {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    setError(null);
    if (!form.reportValidity()) return;
    setBusy(true);
    try {
      await chat.login(form.username.value.trim(), form.password.value);
    } catch (e) {
      setError(errorText(e));
      form.password.select();
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <form class="login-card" onSubmit=${submit} novalidate aria-labelledby="login-title">
      <div class="brand brand-large"><span class="logo" aria-hidden="true">Z</span> Ziyad Messenger</div>
      <h1 id="login-title">Sign in to chat</h1>
      ${S.notice && html`<p class="notice">${S.notice}</p>`}
      ${error && html`<div class="alert" role="alert">${error}</div>`}
      <label>Username
        <input name="username" autocomplete="username" required maxlength="32" autofocus />
      </label>
      <label>Password
        <input name="password" type="password" autocomplete="current-password" required maxlength="128" />
      </label>
      <button type="submit" class="primary" disabled=${busy}>${busy ? "Signing in…" : "Log in"}</button>
    </form>
  </main>`;
}

// ---------- the shell

function Shell() {
  const [menuOpen, setMenuOpen] = useState(false);
  const [dmOpen, setDmOpen] = useState(false);
  const channel = S.channels.get(S.active);
  useEffect(() => {
    const onKey = (e) => {
      if (e.key === "Escape" && S.panel) { chat.openPanel(null); document.getElementById("composer-input")?.focus(); }
      if (e.key === "k" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); document.getElementById("search-input")?.focus(); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return html`<div class=${`chat-shell ${S.panel ? "with-panel" : ""}`}>
    <a class="skip-link" href="#composer-input">Skip to the message box</a>
    <${TopBar} onMenu=${() => setMenuOpen(!menuOpen)} menuOpen=${menuOpen} />
    <${OfflineBanner} />
    <${Sidebar} open=${menuOpen} onPick=${() => setMenuOpen(false)} onNewDm=${() => setDmOpen(true)} />
    <main id="conversation" class="conversation" aria-label=${channel ? `Conversation: ${chat.channelTitle(channel)}` : "Conversation"}>
      ${channel ? html`<${Conversation} channel=${channel} key=${channel.id} />` : html`<p class="empty-state">Pick a channel on the left.</p>`}
    </main>
    ${S.panel && html`<${SidePanel} />`}
    ${dmOpen && html`<${DirectDialog} onClose=${() => setDmOpen(false)} />`}
  </div>`;
}

function TopBar({ onMenu, menuOpen }) {
  const [q, setQ] = useState("");
  const submit = (e) => { e.preventDefault(); chat.search(q); };
  const me = S.me;
  return html`<header class="topbar">
    <button class="icon-button menu-button" aria-controls="sidebar" aria-expanded=${menuOpen} aria-label="Channels menu" onClick=${onMenu}><${Icon} name="menu" /></button>
    <div class="brand"><span class="logo" aria-hidden="true">Z</span><span class="brand-name">Ziyad</span></div>
    <form class="search-form" role="search" onSubmit=${submit}>
      <label class="visually-hidden" for="search-input">Search messages</label>
      <input id="search-input" type="search" placeholder="Search messages" value=${q} maxlength="256" onInput=${(e) => setQ(e.currentTarget.value)} />
      <button type="submit" class="small">Search</button>
    </form>
    <span class="spacer"></span>
    <span class=${`live ${S.connection === "online" ? "on" : "off"}`} role="status">
      <span aria-hidden="true">● </span>${S.connection === "online" ? "connected" : S.connection === "connecting" ? "connecting…" : "offline"}
    </span>
    <span class="whoami" title=${me.username}>${me.full_name || me.username}</span>
    <button class="ghost" onClick=${() => chat.logout()}>Log out</button>
  </header>`;
}

function OfflineBanner() {
  if (S.connection === "online") return null;
  return html`<div class="offline-banner" role="alert">
    <span>${S.connection === "connecting" ? "Reconnecting…" : "You are offline. Messages you send wait here until you retry them; the client reconnects by itself."}</span>
    <button class="small" onClick=${() => chat.reconnectNow()}>Reconnect now</button>
  </div>`;
}

function Badge({ channel }) {
  if (!channel.unread_count && !channel.mention_count) return null;
  return html`<span class="counts">
    ${channel.mention_count > 0 && html`<span class="badge mention" aria-label=${`${channel.mention_count} mentions`}>@${channel.mention_count}</span>`}
    ${channel.unread_count > 0 && html`<span class="badge unread" aria-label=${`${channel.unread_count} unread`}>${channel.unread_count}</span>`}
  </span>`;
}

function Presence({ userId }) {
  const status = S.presence.get(userId) ?? 0;
  return html`<span class=${`dot ${STATUS[status] ?? "offline"}`} role="img" aria-label=${STATUS[status] ?? "offline"} title=${STATUS[status] ?? "offline"}></span>`;
}

function Sidebar({ open, onPick, onNewDm }) {
  const permission = chat.notificationsSupported() ? Notification.permission : "unsupported";
  const channels = [...S.channels.values()];
  const rooms = channels.filter((c) => c.type !== "dm").sort((a, b) => a.name.localeCompare(b.name));
  const dms = channels.filter((c) => c.type === "dm").sort((a, b) => chat.channelTitle(a).localeCompare(chat.channelTitle(b)));
  const pick = (id) => { chat.openChannel(id).then(() => document.getElementById("composer-input")?.focus()); onPick(); };
  const item = (c, label, prefix) => html`<li key=${c.id}>
    <button class=${`channel-link ${c.unread_count ? "unread" : ""}`} aria-current=${S.active === c.id ? "page" : undefined} onClick=${() => pick(c.id)}>
      ${prefix}<span class="channel-name">${label}</span><${Badge} channel=${c} />
    </button>
  </li>`;
  return html`<nav id="sidebar" class=${`chat-sidebar ${open ? "open" : ""}`} aria-label="Channels and direct messages">
    <h2 id="channels-heading">Channels</h2>
    <ul aria-labelledby="channels-heading">${rooms.map((c) => item(c, c.name, html`<span class="hash" aria-hidden="true">${c.type === "private" ? html`<${Icon} name="lock" />` : "#"}</span>`))}</ul>
    <div class="section-head">
      <h2 id="dms-heading">Direct messages</h2>
      <button class="small" onClick=${onNewDm} aria-label="New direct message"><${Icon} name="plus" /></button>
    </div>
    <ul aria-labelledby="dms-heading">${dms.map((c) => item(c, chat.channelTitle(c), html`<${Presence} userId=${c.peer_id} />`))}</ul>
    ${permission === "default" && html`<div class="sidebar-foot">
      <p>Get a desktop notification for direct messages and mentions while this tab is in the background.</p>
      <button class="small" onClick=${() => chat.enableNotifications()}>Enable notifications</button>
    </div>`}
  </nav>`;
}

function DirectDialog({ onClose }) {
  const ref = useRef(null);
  const [filter, setFilter] = useState("");
  const [error, setError] = useState(null);
  useEffect(() => { ref.current?.showModal(); }, []);
  const people = [...S.users.values()]
    .filter((u) => u.id !== S.me.id)
    .filter((u) => !filter || `${u.username} ${u.full_name}`.toLowerCase().includes(filter.toLowerCase()))
    .sort((a, b) => (a.full_name || a.username).localeCompare(b.full_name || b.username))
    .slice(0, 100);
  const start = async (user) => {
    try {
      await chat.startDirect(user.id);
      ref.current?.close();
      document.getElementById("composer-input")?.focus();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return html`<dialog ref=${ref} aria-labelledby="dm-title" onClose=${onClose}>
    <div class="dialog-body">
      <h2 id="dm-title">Message someone</h2>
      ${error && html`<div class="alert" role="alert">${error}</div>`}
      <label>Find a person
        <input type="search" value=${filter} onInput=${(e) => setFilter(e.currentTarget.value)} autofocus placeholder="Name or username" />
      </label>
      <ul class="people" aria-label="People">
        ${people.map((u) => html`<li key=${u.id}>
          <button class="person" onClick=${() => start(u)}>
            <${Presence} userId=${u.id} /><span class="person-name">${u.full_name || u.username}</span><span class="muted">@${u.username}</span>
          </button>
        </li>`)}
        ${people.length === 0 && html`<li class="muted">Nobody matches.</li>`}
      </ul>
      <div class="dialog-actions"><button onClick=${() => ref.current?.close()}>Close</button></div>
    </div>
  </dialog>`;
}

// ---------- a conversation

function Conversation({ channel }) {
  const title = chat.channelTitle(channel);
  const typing = chat.typingIn(channel.id);
  return html`
    <header class="channel-head">
      <h1>${channel.type === "dm" ? html`<${Presence} userId=${channel.peer_id} /> ` : channel.type === "private" ? html`<${Icon} name="lock" /> ` : "# "}${title}</h1>
      <span class="spacer"></span>
      <button class="small" aria-pressed=${S.panel?.kind === "pins"} onClick=${() => chat.openPanel(S.panel?.kind === "pins" ? null : { kind: "pins", channel_id: channel.id })}><${Icon} name="pin" /> Pins</button>
    </header>
    <${Timeline} channel=${channel} />
    <p class="typing" aria-live="polite">${typing.length ? `${typing.map(chat.userName).join(", ")} ${typing.length === 1 ? "is" : "are"} typing…` : ""}</p>
    <${Composer} channelId=${channel.id} placeholder=${`Message ${channel.type === "dm" ? title : "#" + title}`} id="composer-input" />`;
}

function Timeline({ channel }) {
  const t = S.timelines.get(channel.id);
  const ref = useRef(null);
  const stick = useRef(true);
  const anchor = useRef(null);
  const jumped = useRef(0);
  const [dragging, setDragging] = useState(false);
  const messages = (t?.messages ?? []).filter((m) => !m.root_id);
  const pending = chat.pendingFor(channel.id, null);
  const firstSeq = messages[0]?.seq;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (anchor.current && anchor.current.seq !== firstSeq) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (S.highlight && S.highlight.n !== jumped.current) {
      const target = el.querySelector(`[data-id="${CSS.escape(S.highlight.id)}"]`);
      if (target) { target.scrollIntoView({ block: "center" }); target.focus({ preventScroll: true }); stick.current = false; jumped.current = S.highlight.n; }
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
  });

  const onScroll = () => {
    const el = ref.current;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 80 && t?.hasOlder && !t.loading) {
      anchor.current = { seq: firstSeq, height: el.scrollHeight, top: el.scrollTop };
      chat.loadOlder(channel.id);
    }
  };

  const onDrop = (e) => {
    e.preventDefault();
    setDragging(false);
    const files = Array.from(e.dataTransfer?.files ?? []);
    if (files.length) for (const problem of chat.uploadFiles(channel.id, files)) toast(problem, "error");
  };
  const onDragOver = (e) => { if ([...(e.dataTransfer?.types ?? [])].includes("Files")) { e.preventDefault(); setDragging(true); } };

  let lastDay = null;
  let lastSender = null;
  let lastTime = 0;
  return html`<div ref=${ref} class=${`timeline ${dragging ? "dragging" : ""}`} role="log" aria-label=${`Messages in ${chat.channelTitle(channel)}`}
      tabindex="0" onScroll=${onScroll} onDrop=${onDrop} onDragOver=${onDragOver} onDragLeave=${() => setDragging(false)}>
    ${t?.loading && html`<p class="loading" role="status">Loading messages…</p>`}
    ${t && !t.hasOlder && t.loaded && html`<p class="beginning">This is the beginning of ${channel.type === "dm" ? "your conversation" : "#" + channel.name}.</p>`}
    ${t?.error && html`<div class="alert" role="alert">${t.error}</div>`}
    ${messages.map((m) => {
      const day = dayOf(m.timestamp);
      const divider = day !== lastDay ? html`<div class="day" role="separator" aria-label=${fmtDay(m.timestamp)}><span>${fmtDay(m.timestamp)}</span></div>` : null;
      const compact = day === lastDay && lastSender === m.sender_id && m.timestamp - lastTime < 5 * 60000;
      lastDay = day; lastSender = m.sender_id; lastTime = m.timestamp;
      return html`${divider}<${Message} key=${m.id} message=${m} compact=${compact} />`;
    })}
    ${pending.map((p) => html`<${Pending} key=${p.client_msg_id} item=${p} />`)}
    <${Uploads} channelId=${channel.id} />
    ${dragging && html`<div class="drop-hint" aria-hidden="true">Drop files to share them</div>`}
  </div>`;
}

function Pending({ item }) {
  return html`<article class=${`message pending ${item.status}`} aria-label="Your message, not yet sent">
    <div class="avatar" aria-hidden="true">${(S.me.full_name || S.me.username).slice(0, 1).toUpperCase()}</div>
    <div class="body">
      <div class="meta"><strong>${S.me.full_name || S.me.username}</strong>
        <span class="muted">${item.status === "failed" ? "not sent" : "sending…"}</span></div>
      <div class="text">${renderText(item.text)}</div>
      ${item.status === "failed" && html`<div class="send-error" role="alert">
        <span>${item.error}</span>
        <button class="small" onClick=${() => chat.retry(item.client_msg_id)}>Retry</button>
        <button class="small ghost" onClick=${() => chat.discard(item.client_msg_id)}>Discard</button>
      </div>`}
    </div>
  </article>`;
}

function Uploads({ channelId }) {
  const uploads = S.uploads.filter((u) => u.channel_id === channelId);
  return uploads.map((u) => html`<div key=${u.id} class="upload">
    <span class="upload-name">${u.name}</span>
    ${u.error
      ? html`<span class="send-error" role="alert">${u.error}</span>`
      : html`<progress max=${u.size} value=${u.loaded} aria-label=${`Uploading ${u.name}`}></progress>
             <span class="muted">${fmtBytes(u.loaded)} / ${fmtBytes(u.size)}</span>`}
    <button class="small ghost" onClick=${() => chat.cancelUpload(u.id)}>${u.error ? "Dismiss" : "Cancel"}</button>
  </div>`);
}

/** Text with @mentions marked; everything else is plain text (Preact escapes it). */
function renderText(text) {
  const parts = [];
  let last = 0;
  const me = S.me.username.toLowerCase();
  for (const match of text.matchAll(chat.MENTION)) {
    const start = match.index + match[1].length;
    const name = match[2].replace(/[.]+$/, "");
    const known = ["channel", "here", "all"].includes(name.toLowerCase()) || [...S.users.values()].some((u) => u.username.toLowerCase() === name.toLowerCase());
    if (!known) continue;
    parts.push(text.slice(last, start));
    const self = name.toLowerCase() === me || ["channel", "here", "all"].includes(name.toLowerCase());
    parts.push(html`<span class=${`mention ${self ? "me" : ""}`}>@${name}</span>`);
    last = start + 1 + name.length;
  }
  parts.push(text.slice(last));
  return parts;
}

function Message({ message: m, compact, inThread = false }) {
  const [editing, setEditing] = useState(false);
  const [picker, setPicker] = useState(false);
  const mine = m.sender_id === S.me.id;
  const name = chat.userName(m.sender_id);
  const highlighted = S.highlight?.id === m.id;
  const pinned = S.pinned.has(m.id);
  const act = (fn) => async () => { try { await fn(); } catch (e) { toast(errorText(e), "error"); } };
  const remove = act(async () => { if (confirm("Delete this message? This cannot be undone.")) await chat.deleteMessage(m); });
  const file = m.type === 3 && !m.deleted ? chat.decodeFile(m) : null;
  return html`<article class=${`message ${compact ? "compact" : ""} ${highlighted ? "flash" : ""} ${S.mentioned.has(m.id) ? "mentions-me" : ""}`}
      data-id=${m.id} data-seq=${m.seq} tabindex="-1" aria-label=${`${name}, ${fmtClock(m.timestamp)}`}>
    <div class="avatar" aria-hidden="true">${compact ? "" : name.slice(0, 1).toUpperCase()}</div>
    <div class="body">
      ${!compact && html`<div class="meta"><strong class="sender">${name}</strong>
        <time datetime=${new Date(m.timestamp).toISOString()} title=${new Date(m.timestamp).toLocaleString("en-GB")}>${fmtClock(m.timestamp)}</time>
        ${pinned && html`<span class="pin-mark"><${Icon} name="pin" /> pinned</span>`}</div>`}
      ${compact && pinned && html`<div class="meta"><span class="pin-mark"><${Icon} name="pin" /> pinned</span></div>`}
      ${m.deleted
        ? html`<div class="text deleted">This message was deleted.</div>`
        : editing
          ? html`<${EditBox} message=${m} onDone=${() => setEditing(false)} />`
          : file ? html`<${FileCard} file=${file} />`
          : chat.isText(m) ? html`<div class="text">${renderText(chat.decodeText(m.content))}${m.edited_at && html` <span class="muted edited">(edited)</span>`}</div>`
          : html`<div class="text muted">A message this client cannot show (type ${m.type}).</div>`}
      ${(m.reactions ?? []).length > 0 && html`<div class="reactions" role="group" aria-label="Reactions">
        ${m.reactions.map((r) => {
          const minePressed = (r.user_ids ?? []).includes(S.me.id);
          return html`<button key=${r.emoji} class=${`reaction ${minePressed ? "mine" : ""}`} aria-pressed=${minePressed}
            title=${(r.user_ids ?? []).map(chat.userName).join(", ")} aria-label=${`${r.emoji} ${r.count}`} onClick=${act(() => chat.toggleReaction(m, r.emoji))}>${r.emoji} ${r.count}</button>`;
        })}
      </div>`}
      ${!inThread && m.reply_count > 0 && html`<button class="replies-link" onClick=${() => chat.openThread(m.id, m.channel_id)}>
        ${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}${m.last_reply_at ? html` <span class="muted">· last at ${fmtClock(m.last_reply_at)}</span>` : ""}</button>`}
      ${picker && html`<div class="picker" role="group" aria-label="Pick a reaction">
        ${REACTIONS.map((emoji) => html`<button class="small" aria-label=${`React with ${emoji}`} onClick=${act(async () => { setPicker(false); await chat.toggleReaction(m, emoji); })}>${emoji}</button>`)}
      </div>`}
    </div>
    ${!m.deleted && !editing && html`<div class="actions" role="toolbar" aria-label="Message actions">
      <button class="small" aria-label="Add reaction" aria-expanded=${picker} onClick=${() => setPicker(!picker)}><${Icon} name="smile" /></button>
      ${!inThread && !m.root_id && html`<button class="small" aria-label="Reply in thread" onClick=${() => chat.openThread(m.id, m.channel_id)}><${Icon} name="reply" /></button>`}
      <button class="small" aria-label=${pinned ? "Unpin" : "Pin"} aria-pressed=${pinned} onClick=${act(() => chat.togglePin(m))}><${Icon} name="pin" /></button>
      ${mine && chat.isText(m) && html`<button class="small" aria-label="Edit" onClick=${() => setEditing(true)}><${Icon} name="edit" /></button>`}
      ${mine && html`<button class="small danger" aria-label="Delete" onClick=${remove}><${Icon} name="trash" /></button>`}
    </div>`}
  </article>`;
}

function EditBox({ message, onDone }) {
  const [text, setText] = useState(chat.decodeText(message.content));
  const [error, setError] = useState(null);
  const ref = useRef(null);
  useEffect(() => { ref.current?.focus(); }, []);
  const save = async () => {
    try { await chat.editMessage(message, text); onDone(); } catch (e) { setError(errorText(e)); }
  };
  return html`<div class="edit-box">
    <label class="visually-hidden" for=${`edit-${message.id}`}>Edit message</label>
    <textarea id=${`edit-${message.id}`} ref=${ref} rows="2" value=${text} onInput=${(e) => setText(e.currentTarget.value)}
      onKeyDown=${(e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); save(); } if (e.key === "Escape") { e.stopPropagation(); onDone(); } }}></textarea>
    ${error && html`<div class="send-error" role="alert">${error}</div>`}
    <div class="edit-actions"><button class="small primary" onClick=${save}>Save</button><button class="small" onClick=${onDone}>Cancel</button>
      <span class="muted">Enter to save, Esc to cancel</span></div>
  </div>`;
}

function FileCard({ file }) {
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState(null);
  const isImage = /^image\/(png|jpe?g|gif|webp|bmp|avif)$/i.test(file.mime ?? "") && file.size <= 20 * 1024 * 1024;
  useEffect(() => {
    if (!isImage) return undefined;
    let url = null;
    let live = true;
    chat.fetchFile(file).then((blob) => { if (live) { url = URL.createObjectURL(blob); setPreview(url); } }).catch((e) => live && setError(errorText(e)));
    return () => { live = false; if (url) URL.revokeObjectURL(url); };
  }, [file.file_id]);
  const download = async () => {
    try { await chat.downloadFile(file); } catch (e) { toast(errorText(e), "error"); }
  };
  return html`<div class="file-card">
    ${preview && html`<img class="preview" src=${preview} alt=${file.name} />`}
    <div class="file-row">
      <span class="file-icon"><${Icon} name="file" /></span>
      <span class="file-name">${file.name}</span>
      <span class="muted">${fmtBytes(file.size)}</span>
      <button class="small" onClick=${download} aria-label=${`Download ${file.name}`}>Download</button>
    </div>
    ${error && html`<div class="send-error" role="alert">${error}</div>`}
  </div>`;
}

// ---------- the composer (send, typing, mentions, files)

function Composer({ channelId, rootId = null, placeholder, id }) {
  const [text, setText] = useState("");
  const [error, setError] = useState(null);
  const [suggest, setSuggest] = useState(null); // {query, start, index}
  const ref = useRef(null);
  const fileRef = useRef(null);
  const listId = `${id}-mentions`;

  const candidates = useMemo(() => {
    if (!suggest) return [];
    const q = suggest.query.toLowerCase();
    const people = [...S.users.values()].filter((u) => u.username.toLowerCase().startsWith(q) || (u.full_name ?? "").toLowerCase().split(/\s+/).some((w) => w.startsWith(q)));
    const specials = ["channel", "here"].filter((s) => s.startsWith(q)).map((s) => ({ id: s, username: s, full_name: s === "channel" ? "Everyone in this channel" : "Everyone online" }));
    return [...people.slice(0, 8), ...specials];
  }, [suggest?.query, S.users]);

  const updateSuggest = (value, caret) => {
    const before = value.slice(0, caret);
    const match = /(^|\s)@([a-zA-Z0-9_.-]{0,32})$/.exec(before);
    setSuggest(match ? { query: match[2], start: caret - match[2].length - 1, index: 0 } : null);
  };

  const pick = (user) => {
    const el = ref.current;
    const caret = el.selectionStart;
    const value = text.slice(0, suggest.start) + "@" + user.username + " " + text.slice(caret);
    setText(value);
    setSuggest(null);
    requestAnimationFrame(() => { el.focus(); const pos = suggest.start + user.username.length + 2; el.setSelectionRange(pos, pos); });
  };

  const send = () => {
    const problem = chat.sendText(channelId, text, rootId);
    if (problem) { setError(problem); return; }
    setError(null);
    setText("");
    setSuggest(null);
  };

  const onKeyDown = (e) => {
    if (suggest && candidates.length) {
      if (e.key === "ArrowDown") { e.preventDefault(); setSuggest({ ...suggest, index: (suggest.index + 1) % candidates.length }); return; }
      if (e.key === "ArrowUp") { e.preventDefault(); setSuggest({ ...suggest, index: (suggest.index - 1 + candidates.length) % candidates.length }); return; }
      if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); pick(candidates[suggest.index]); return; }
      if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); setSuggest(null); return; }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  };

  const onInput = (e) => {
    const value = e.currentTarget.value;
    setText(value);
    if (error) setError(null);
    updateSuggest(value, e.currentTarget.selectionStart);
    if (value.trim()) chat.userTyping(channelId);
  };

  const onFiles = (e) => {
    const files = Array.from(e.currentTarget.files ?? []);
    e.currentTarget.value = "";
    const problems = chat.uploadFiles(channelId, files, rootId);
    setError(problems.length ? problems.join(" ") : null);
  };

  const open = suggest && candidates.length > 0;
  return html`<div class="composer">
    ${error && html`<div class="send-error" role="alert" id=${`${id}-error`}>${error}</div>`}
    ${open && html`<ul id=${listId} class="mention-list" role="listbox" aria-label="People to mention">
      ${candidates.map((u, i) => html`<li key=${u.id} id=${`${listId}-${i}`} role="option" aria-selected=${i === suggest.index}
          onMouseDown=${(e) => { e.preventDefault(); pick(u); }}>
        <strong>@${u.username}</strong> <span class="muted">${u.full_name}</span></li>`)}
    </ul>`}
    <div class="composer-row">
      <button class="icon-button attach" aria-label="Attach files" onClick=${() => fileRef.current?.click()}><${Icon} name="attach" /></button>
      <input ref=${fileRef} type="file" multiple hidden aria-hidden="true" tabindex="-1" onChange=${onFiles} data-role="file-input" />
      <label class="visually-hidden" for=${id}>${placeholder}</label>
      <textarea id=${id} ref=${ref} rows="1" placeholder=${placeholder} value=${text} onInput=${onInput} onKeyDown=${onKeyDown}
        onBlur=${() => setTimeout(() => setSuggest(null), 150)}
        role="combobox" aria-autocomplete="list" aria-expanded=${Boolean(open)} aria-controls=${open ? listId : undefined}
        aria-activedescendant=${open ? `${listId}-${suggest.index}` : undefined} aria-describedby=${error ? `${id}-error` : undefined}></textarea>
      <button class="primary" onClick=${send}>Send</button>
    </div>
    <p class="hint">Enter to send · Shift+Enter for a new line · @ to mention · drop files to share</p>
  </div>`;
}

// ---------- side panel: thread, search, pins

function SidePanel() {
  const kind = S.panel.kind;
  const title = kind === "thread" ? "Thread" : kind === "search" ? "Search results" : "Pinned messages";
  const ref = useRef(null);
  useEffect(() => { ref.current?.focus(); }, [kind]);
  return html`<aside class="side-panel" aria-labelledby="panel-title">
    <header class="panel-head">
      <h2 id="panel-title" tabindex="-1" ref=${ref}>${title}</h2>
      <button class="icon-button" aria-label="Close panel" onClick=${() => chat.openPanel(null)}><${Icon} name="close" /></button>
    </header>
    ${kind === "thread" && html`<${ThreadPanel} />`}
    ${kind === "search" && html`<${SearchPanel} />`}
    ${kind === "pins" && html`<${PinsPanel} />`}
  </aside>`;
}

function ThreadPanel() {
  const thread = S.thread;
  const rootId = S.panel.root_id;
  const pending = chat.pendingFor(S.panel.channel_id, rootId);
  return html`<div class="panel-body thread">
    ${thread?.root && html`<${Message} message=${thread.root} inThread=${true} />`}
    ${thread?.loading && html`<p class="loading" role="status">Loading the thread…</p>`}
    ${thread?.error && html`<div class="alert" role="alert">${thread.error}</div>`}
    <div class="replies" role="log" aria-label="Replies">
      ${(thread?.replies ?? []).map((m) => html`<${Message} key=${m.id} message=${m} inThread=${true} />`)}
      ${pending.map((p) => html`<${Pending} key=${p.client_msg_id} item=${p} />`)}
    </div>
    <${Composer} channelId=${S.panel.channel_id} rootId=${rootId} placeholder="Reply in thread" id="thread-input" />
  </div>`;
}

/** The server's snippet with its matched ranges ([start, end) in UTF-16 units) marked; plain text otherwise. */
function highlighted({ text, ranges = [] }) {
  const parts = [];
  let last = 0;
  for (const [start, end] of [...ranges].sort((x, y) => x[0] - y[0])) {
    if (start < last || end > text.length || start >= end) continue;
    parts.push(text.slice(last, start), html`<mark>${text.slice(start, end)}</mark>`);
    last = end;
  }
  parts.push(text.slice(last));
  return parts;
}

function SearchPanel() {
  const s = S.search;
  return html`<div class="panel-body">
    ${s.q && html`<p class="muted">Results for “${s.q}”</p>`}
    ${s.error && html`<div class="alert" role="alert">${s.error}</div>`}
    ${s.loading && html`<p class="loading" role="status">Searching…</p>`}
    <ul class="results" aria-label="Search results">
      ${s.results.map((m) => {
        const channel = S.channels.get(m.channel_id);
        return html`<li key=${m.id}>
          <button class="result" onClick=${() => chat.jumpTo(m)}>
            <span class="result-meta"><strong>${chat.userName(m.sender_id)}</strong> in ${channel ? (channel.type === "dm" ? chat.channelTitle(channel) : "#" + channel.name) : m.channel_id}
              · ${new Date(m.timestamp).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}</span>
            <span class="result-text">${m.highlight?.text ? highlighted(m.highlight) : chat.isText(m) ? chat.decodeText(m.content) : m.type === 3 ? chat.decodeFile(m)?.name : ""}</span>
          </button>
        </li>`;
      })}
    </ul>
    ${!s.loading && s.q && !s.error && s.results.length === 0 && html`<p class="muted">No messages match.</p>`}
    ${s.next_cursor && html`<button onClick=${() => chat.search(s.q, { more: true })}>More results</button>`}
  </div>`;
}

function PinsPanel() {
  const p = S.pins;
  return html`<div class="panel-body">
    ${p.loading && html`<p class="loading" role="status">Loading pins…</p>`}
    ${p.error && html`<div class="alert" role="alert">${p.error}</div>`}
    ${p.unsupported && html`<p class="muted">Pins are not available on this server yet.</p>`}
    ${!p.loading && !p.error && !p.unsupported && p.list.length === 0 && html`<p class="muted">Nothing is pinned here yet. Pin a message from its actions.</p>`}
    <ul class="results" aria-label="Pinned messages">
      ${p.list.map((m) => html`<li key=${m.id}>
        <button class="result" onClick=${() => chat.jumpTo(m)}>
          <span class="result-meta"><strong>${chat.userName(m.sender_id)}</strong> · pinned by ${chat.userName(m.pinned_by)}</span>
          <span class="result-text">${m.deleted ? "This message was deleted." : chat.isText(m) ? chat.decodeText(m.content) : chat.decodeFile(m)?.name ?? ""}</span>
        </button>
      </li>`)}
    </ul>
  </div>`;
}

// ---------- the app

function App() {
  useStore();
  if (!S.config) return html`<p class="loading" role="status">Loading…</p>`;
  return html`${S.session && S.me ? html`<${Shell} />` : html`<${Login} />`}<${Toasts} />`;
}

document.addEventListener("visibilitychange", () => chat.visibilityChanged());
window.addEventListener("online", () => chat.reconnectNow());
render(html`<${App} />`, document.getElementById("app"));
chat.boot().catch((e) => {
  document.getElementById("app").textContent = `The chat cannot start: ${errorText(e)}`;
});
