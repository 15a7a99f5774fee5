// Ziyad Messenger admin dashboard: plain ES modules, no build step. Everything it loads comes from
// this server, so it works on a LAN without internet access. DOM is built with h(), never innerHTML,
// so names and audit details typed by anyone can never run as markup. The API, socket and formatting
// helpers are shared with the web client (/assets/shared/).

import { ApiError, createApi } from "./shared/api.js";
import { reconnectingSocket } from "./shared/socket.js";
import { fmtBytes, fmtTime } from "./shared/format.js";

const TOKEN_KEY = "ziyad.admin.token";
// What each page needs to be shown (GET /admin/me lists what the admin's role holds).
const PAGE_PERMISSIONS = {
  overview: "monitoring.read", users: "users.read", channels: "channels.read", roles: "roles.read",
  departments: "departments.read", devices: "devices.read", admins: "admins.read", audit: "audit.read",
  system: "system.read", cluster: "system.read",
};

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,
  live: null,
  liveListeners: new Set(),
  feed: [],
  pageCleanup: null,
};

// ---------- tiny DOM helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const $ = (selector, root = document) => root.querySelector(selector);
const fmtNumber = (n) => (n ?? 0).toLocaleString("en-US");
const fmtDate = (value) => (value ? new Date(value).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—");

function fmtDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds ?? 0));
  const d = Math.floor(s / 86400), hrs = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${hrs}h`;
  if (hrs > 0) return `${hrs}h ${m}m`;
  return `${m}m ${s % 60}s`;
}

function toast(message, kind = "info") {
  const el = h("div", { class: `toast ${kind}` }, message);
  $("#toasts").append(el);
  setTimeout(() => el.remove(), kind === "error" ? 7000 : 3500);
}

// ---------- the API

const api = createApi({
  token: () => state.token,
  onUnauthorized: (path) => { if (path === "/admin/login") return false; sessionExpired(); return true; },
});

function showError(error) {
  toast(error instanceof ApiError ? error.message : "Something went wrong. Try again.", "error");
}

// ---------- session

function sessionExpired() {
  logout("Your session has ended. Log in again.");
}

function logout(notice) {
  state.token = null;
  state.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  stopLive();
  showLogin(notice);
}

function showLogin(notice) {
  cleanupPage();
  $("#app-view").hidden = true;
  $("#login-view").hidden = false;
  const n = $("#login-notice");
  n.hidden = !notice;
  n.textContent = notice ?? "";
  $("#login-error").hidden = true;
  if (!location.hash.startsWith("#/login")) history.replaceState(null, "", "#/login");
  $("#login-form [name=username]").focus();
}

async function login(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = $("#login-error");
  error.hidden = true;
  if (!form.reportValidity()) return;
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const result = await api("POST", "/admin/login", { username: form.username.value.trim(), password: form.password.value });
    state.token = result.token;
    sessionStorage.setItem(TOKEN_KEY, result.token);
    form.reset();
    await enterApp("#/overview");
  } catch (e) {
    error.textContent = e instanceof ApiError ? e.message : "Login failed.";
    error.hidden = false;
    form.password.select();
  } finally {
    button.disabled = false;
  }
}

async function enterApp(hash) {
  state.me = await api("GET", "/admin/me");
  $("#login-view").hidden = true;
  $("#app-view").hidden = false;
  $("#whoami").textContent = `${state.me.username} · ${state.me.role}`;
  for (const link of document.querySelectorAll("#nav a")) {
    link.hidden = !can(PAGE_PERMISSIONS[link.getAttribute("href").slice(2)]);
  }
  if (can("monitoring.read")) startLive();
  if (hash && location.hash !== hash) location.hash = hash;
  else route();
}

const PERMISSION_NAMES = new Set(Object.values(PAGE_PERMISSIONS).concat(["users.write", "channels.write", "roles.write", "departments.write", "devices.write", "admins.write"]));
const can = (permission) => Boolean(state.me?.permissions?.includes(permission));

// An action the admin's role may not take is not drawn at all (the API would answer 403 anyway).
const guarded = (permission, tag, attrs, ...children) => (can(permission) ? h(tag, attrs, ...children) : null);

// ---------- live feed (/admin/ws)

function startLive() {
  stopLive();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  state.live = reconnectingSocket({
    url: () => `${scheme}://${location.host}/admin/ws?token=${encodeURIComponent(state.token)}`,
    onOpen: () => setLive(true),
    onMessage: (frame) => {
      rememberEvent(frame);
      for (const listener of state.liveListeners) listener(frame);
    },
    onClose: (event) => {
      setLive(false);
      if (event.code === 4401) { sessionExpired(); return false; }
      return Boolean(state.token);
    },
    // Check the session before retrying: a 401 from the API sends the admin to the login page.
    beforeRetry: async () => {
      if (!state.token) return false;
      try { await api("GET", "/admin/me"); return true; } catch { return false; }
    },
  });
}

function stopLive() {
  const socket = state.live;
  state.live = null;
  socket?.close();
  setLive(false);
}

function setLive(on) {
  const el = $("#live-indicator");
  el.classList.toggle("on", on);
  el.classList.toggle("off", !on);
  el.lastElementChild.textContent = on ? "live" : "offline";
}

const FEED_EVENTS = new Set(["message", "user_connected", "user_disconnected", "file_uploaded", "file_downloaded",
  "channel_created", "channel_deleted", "member_added", "member_removed", "login", "login_failed", "admin_action", "node_joined", "user_registered"]);

function rememberEvent(frame) {
  if (!FEED_EVENTS.has(frame.event)) return;
  state.feed.unshift(frame);
  state.feed.length = Math.min(state.feed.length, 100);
}

// "Sara Haddad (sara)" when the server sent the names, the id when it could not find them.
function person(username, fullName, id) {
  if (!username) return id ?? "someone";
  return fullName && fullName !== username ? `${fullName} (${username})` : username;
}
const channelLabel = (name, id) => (name ? `#${name}` : id);

function describeEvent({ event, payload: p }) {
  switch (event) {
    case "message": return `Message #${p.seq} in ${channelLabel(p.channel_name, p.channel_id)} from ${person(p.sender_username, p.sender_full_name, p.sender_id)} (${fmtBytes(p.bytes)})`;
    case "user_connected": return `${person(p.username, p.full_name, p.user_id)} connected (${p.open_sockets} socket${p.open_sockets === 1 ? "" : "s"})`;
    case "user_disconnected": return `${person(p.username, p.full_name, p.user_id)} disconnected`;
    case "file_uploaded": return `File "${p.name}" uploaded (${fmtBytes(p.size)}) by ${person(p.username, p.full_name, p.user_id)}`;
    case "file_downloaded": return `File ${p.file_id} downloaded by ${person(p.username, p.full_name, p.user_id)} (${fmtBytes(p.bytes)})`;
    case "channel_created": return `Channel "${p.name}" (${p.type}) created`;
    case "channel_deleted": return `Channel "${p.name}" deleted`;
    case "member_added": return `${person(p.username, p.full_name, p.user_id)} added to ${channelLabel(p.channel_name, p.channel_id)}`;
    case "member_removed": return `${person(p.username, p.full_name, p.user_id)} removed from ${channelLabel(p.channel_name, p.channel_id)}`;
    case "login": return `${p.username} logged in`;
    case "login_failed": return `Failed login for "${p.username}"`;
    case "admin_action": return `Admin ${p.admin}: ${p.action} ${p.target}`;
    case "node_joined": return `Node ${p.node_id} joined (${p.address})`;
    case "user_registered": return `${p.username} registered`;
    default: return event;
  }
}

function onLive(listener) {
  state.liveListeners.add(listener);
  return () => state.liveListeners.delete(listener);
}

// ---------- dialogs

const dialog = () => $("#dialog");

function openDialog(build) {
  const d = dialog();
  const content = build(() => d.close());
  d.replaceChildren(content);
  // Empty the dialog once closed, so nothing it showed (a temporary password) stays in the page.
  d.addEventListener("close", () => { if (d.firstChild === content) d.replaceChildren(); }, { once: true });
  d.showModal();
  const first = d.querySelector("input:not([type=hidden]), select, textarea, button.primary, button");
  first?.focus();
}

function confirmDialog(title, message, confirmLabel = "Delete", danger = true) {
  return new Promise((resolve) => {
    let answered = false;
    openDialog((close) => h("div", { class: "dialog-body" },
      h("h2", { id: "dialog-title" }, title),
      h("p", {}, message),
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", onclick: () => { answered = true; close(); resolve(false); } }, "Cancel"),
        h("button", { type: "button", class: danger ? "danger solid" : "primary", onclick: () => { answered = true; close(); resolve(true); } }, confirmLabel))));
    dialog().addEventListener("close", () => { if (!answered) resolve(false); }, { once: true });
  });
}

function secretDialog(title, message, secret) {
  openDialog((close) => h("div", { class: "dialog-body" },
    h("h2", { id: "dialog-title" }, title),
    h("p", {}, message),
    h("div", { class: "secret" }, h("code", { id: "secret-value", class: "mono" }, secret),
      h("button", { type: "button", class: "small", onclick: async () => {
        try { await navigator.clipboard.writeText(secret); toast("Copied."); } catch { toast("Select the text and copy it."); }
      } }, "Copy")),
    h("p", { class: "hint" }, "It will not be shown again."),
    h("div", { class: "dialog-actions" }, h("button", { type: "button", class: "primary", onclick: close }, "Done"))));
}

/**
 * A form in a dialog. Fields validate in the browser before anything is sent; errors the API returns
 * are shown beside their fields, and the general message above the form.
 */
function formDialog({ title, fields, submitLabel = "Save", onSubmit }) {
  openDialog((close) => {
    const errorBox = h("div", { class: "alert", role: "alert", hidden: true });
    const inputs = {};
    const fieldErrors = {};
    const rows = fields.map((f) => {
      let input;
      const common = { name: f.name, id: `f-${f.name}`, required: f.required, "aria-describedby": `e-${f.name}` };
      if (f.type === "select") {
        input = h("select", common, (f.options ?? []).map((o) => h("option", { value: o.value, selected: o.value === (f.value ?? "") }, o.label)));
      } else if (f.type === "checkbox") {
        input = h("input", { ...common, type: "checkbox", checked: !!f.value });
      } else if (f.type === "checkboxes") {
        input = h("div", { class: "perm-list", role: "group", "aria-label": f.label },
          f.options.map((o) => h("label", { class: "check" }, h("input", { type: "checkbox", name: f.name, value: o, checked: (f.value ?? []).includes(o) }), o)));
      } else if (f.type === "textarea") {
        input = h("textarea", { ...common, maxlength: f.maxlength, rows: 3 }, f.value ?? "");
      } else {
        input = h("input", {
          ...common, type: f.type ?? "text", value: f.value ?? "", pattern: f.pattern, minlength: f.minlength,
          maxlength: f.maxlength, autocomplete: f.autocomplete ?? "off", list: f.list, title: f.title, placeholder: f.placeholder,
        });
      }
      inputs[f.name] = input;
      fieldErrors[f.name] = h("div", { class: "field-error", id: `e-${f.name}`, hidden: true });
      if (f.type === "checkbox") return h("div", {}, h("label", { class: "check", for: `f-${f.name}` }, input, f.label), fieldErrors[f.name]);
      if (f.type === "checkboxes") return h("div", {}, h("div", { class: "hint" }, f.label), input, fieldErrors[f.name]);
      return h("div", {}, h("label", { for: `f-${f.name}` }, f.label, f.hint ? h("span", { class: "hint" }, ` ${f.hint}`) : null, input), fieldErrors[f.name]);
    });
    const datalists = fields.filter((f) => f.datalist).map((f) => h("datalist", { id: f.list }, f.datalist.map((v) => h("option", { value: v }))));
    const submit = h("button", { type: "submit", class: "primary" }, submitLabel);
    const form = h("form", { novalidate: true },
      h("h2", { id: "dialog-title" }, title), errorBox, rows, datalists,
      h("div", { class: "dialog-actions" }, h("button", { type: "button", onclick: close }, "Cancel"), submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      errorBox.hidden = true;
      Object.values(fieldErrors).forEach((e) => { e.hidden = true; });
      for (const f of fields) {
        const message = f.validate?.(inputs[f.name].value);
        if (inputs[f.name].setCustomValidity) inputs[f.name].setCustomValidity(message ?? "");
      }
      if (!form.reportValidity()) return;
      const values = {};
      for (const f of fields) {
        if (f.type === "checkbox") values[f.name] = inputs[f.name].checked;
        else if (f.type === "checkboxes") values[f.name] = [...inputs[f.name].querySelectorAll("input:checked")].map((i) => i.value);
        else values[f.name] = inputs[f.name].value.trim();
      }
      submit.disabled = true;
      try {
        await onSubmit(values);
        close();
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        errorBox.textContent = e.message;
        errorBox.hidden = false;
        for (const [name, messages] of Object.entries(e.errors ?? {})) {
          if (fieldErrors[name]) { fieldErrors[name].textContent = messages.join(" "); fieldErrors[name].hidden = false; }
        }
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  });
}

// ---------- building blocks for pages

function pageHead(title, ...actions) {
  return h("div", { class: "page-head" }, h("h1", {}, title), h("div", { class: "toolbar" }, actions));
}

function table(columns, rows, emptyText = "Nothing here yet.") {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.title)))),
    h("tbody", {}, rows.length === 0
      ? h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, emptyText))
      : rows.map((row) => h("tr", {}, columns.map((c) => {
        const value = c.render ? c.render(row) : row[c.key];
        return h("td", { class: c.actions ? "actions" : c.num ? "num" : c.nowrap ? "nowrap" : null }, value ?? "—");
      }))))));
}

function pager(offset, limit, total, go) {
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return h("div", { class: "pager" },
    h("span", {}, `${from}–${to} of ${fmtNumber(total)}`),
    h("button", { type: "button", class: "small", disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) }, "‹ Previous"),
    h("button", { type: "button", class: "small", disabled: offset + limit >= total, onclick: () => go(offset + limit) }, "Next ›"));
}

const badge = (text, kind) => h("span", { class: `badge ${kind ?? ""}` }, text);

function card(label, value, sub, id) {
  return h("div", { class: "card", id }, h("div", { class: "label" }, label), h("div", { class: "value" }, value), sub ? h("div", { class: "sub" }, sub) : null);
}

const USERNAME = { pattern: "[A-Za-z0-9_.\\-]{3,32}", title: "3–32 letters, digits, '_', '.' or '-'" };

// ---------- pages

const pages = {};

pages.overview = async (main) => {
  const cards = h("div", { class: "cards", id: "overview-cards" });
  const unavailable = h("p", { class: "unavailable", hidden: true });
  const feed = h("ul", { class: "feed", id: "live-feed", "aria-live": "polite" });
  const canvases = {
    online: h("canvas", { id: "chart-online", "aria-label": "Users online per minute, last hour", role: "img" }),
    messages: h("canvas", { id: "chart-messages", "aria-label": "Messages per minute, last hour", role: "img" }),
    files: h("canvas", { id: "chart-files", "aria-label": "File transfers per minute, last hour", role: "img" }),
  };
  main.replaceChildren(
    pageHead("Overview"),
    unavailable,
    cards,
    h("div", { class: "charts" },
      h("section", { class: "panel" }, h("h2", {}, "Users online"), h("div", { class: "chart-box" }, canvases.online)),
      h("section", { class: "panel" }, h("h2", {}, "Messages per minute"), h("div", { class: "chart-box" }, canvases.messages)),
      h("section", { class: "panel" }, h("h2", {}, "File transfers per minute"), h("div", { class: "chart-box" }, canvases.files))),
    h("section", { class: "panel" }, h("h2", {}, "Live activity"), feed));

  let overview = await api("GET", "/admin/monitoring/overview");
  const charts = {
    online: lineChart(canvases.online, "Online", "#0f766e"),
    messages: lineChart(canvases.messages, "Messages", "#2563eb"),
    files: lineChart(canvases.files, "Transfers", "#b54708"),
  };

  const renderCards = () => {
    const o = overview;
    cards.replaceChildren(
      card("Users online", fmtNumber(o.users?.online), `${fmtNumber(o.users?.connected_users)} connected · ${fmtNumber(o.users?.total)} users`, "card-online"),
      card("Active today", fmtNumber(o.users?.active_today), `${fmtNumber(o.users?.active)} active accounts`, "card-active"),
      card("Messages today", fmtNumber(o.messages?.today), `${fmtNumber(o.messages?.last_hour)} in the last hour`, "card-messages"),
      card("Messages total", fmtNumber(o.messages?.total), null, "card-messages-total"),
      card("File transfers today", fmtNumber(o.files?.transfers_today), `${fmtNumber(o.files?.total_files)} files · ${fmtBytes(o.files?.total_bytes)}`, "card-files"),
      card("Nodes", o.network ? `${o.network.healthy_nodes}/${o.network.nodes}` : "—", "healthy / total", "card-nodes"),
      card("Uptime", fmtDuration(o.system?.uptime_seconds), `CPU ${o.system?.cpu_percent ?? 0}% · ${fmtBytes(o.system?.working_set_bytes)}`, "card-uptime"));
    unavailable.hidden = !(o.unavailable?.length);
    unavailable.textContent = o.unavailable?.length ? `Not available right now: ${o.unavailable.join(", ")}.` : "";
  };
  const renderCharts = () => {
    setSeries(charts.online, overview.users?.online_per_minute_last_hour);
    setSeries(charts.messages, overview.messages?.per_minute_last_hour);
    setSeries(charts.files, overview.files?.transfers_per_minute_last_hour);
  };
  const renderFeed = () => {
    feed.replaceChildren(...(state.feed.length
      ? state.feed.slice(0, 50).map((f) => h("li", {}, h("time", {}, fmtTime(f.at)), h("span", {}, describeEvent(f))))
      : [h("li", { class: "hint" }, "Waiting for activity…")]));
  };
  renderCards();
  renderCharts();
  renderFeed();

  const bump = (series, amount = 1) => {
    if (!series?.length) return;
    series[series.length - 1] += amount;
  };
  const stop = onLive((frame) => {
    const p = frame.payload;
    switch (frame.event) {
      case "hello":
      case "stats":
        overview = p;
        renderCards();
        renderCharts();
        break;
      case "message":
        if (overview.messages) {
          overview.messages.today++;
          overview.messages.last_hour++;
          overview.messages.total++;
          bump(overview.messages.per_minute_last_hour);
        }
        renderCards();
        renderCharts();
        break;
      case "file_uploaded":
      case "file_downloaded":
        if (overview.files) {
          overview.files.transfers_today++;
          bump(overview.files.transfers_per_minute_last_hour);
        }
        renderCards();
        renderCharts();
        break;
      default:
        break;
    }
    if (FEED_EVENTS.has(frame.event)) renderFeed();
  });
  return () => { stop(); Object.values(charts).forEach((c) => c?.destroy()); };
};

function minuteLabels(count) {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const t = new Date(now.getTime() - (count - 1 - i) * 60000);
    return t.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  });
}

function lineChart(canvas, label, color) {
  if (!window.Chart) return null;
  return new window.Chart(canvas, {
    type: "line",
    data: { labels: [], datasets: [{ label, data: [], borderColor: color, backgroundColor: `${color}22`, fill: true, tension: 0.3, pointRadius: 0, borderWidth: 2 }] },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { ticks: { maxTicksLimit: 7 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

function setSeries(chart, series) {
  if (!chart) return;
  const data = series?.length ? series : new Array(60).fill(0);
  chart.data.labels = minuteLabels(data.length);
  chart.data.datasets[0].data = [...data];
  chart.update("none");
}

// Reference data for selects.
// Pages that only pick from roles or departments still work for an admin who may not read them.
async function loadRoles() { return can("roles.read") ? api("GET", "/admin/roles") : { roles: [], permissions: [], admin_permissions: [] }; }
async function loadDepartments() { return can("departments.read") ? (await api("GET", "/admin/departments")).departments : []; }

pages.users = async (main, params) => {
  const limit = 25;
  let offset = Number(params.get("offset") ?? 0) || 0;
  let search = params.get("search") ?? "";
  const [{ roles }, departments] = await Promise.all([loadRoles(), loadDepartments()]);
  const departmentName = Object.fromEntries(departments.map((d) => [d.id, d.name]));
  const list = h("div", {});
  const searchInput = h("input", { type: "search", id: "user-search", placeholder: "Search name or username", value: search, "aria-label": "Search users", maxlength: 100 });
  let timer;
  searchInput.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { search = searchInput.value.trim(); offset = 0; load(); }, 250);
  });

  const roleOptions = (current) => roles.map((r) => ({ value: r.id, label: r.name, selected: r.name === current }));
  const departmentOptions = [{ value: "", label: "No department" }, ...departments.map((d) => ({ value: d.id, label: d.name }))];

  const create = () => formDialog({
    title: "New user",
    submitLabel: "Create user",
    fields: [
      { name: "username", label: "Username", required: true, ...USERNAME },
      { name: "full_name", label: "Full name", maxlength: 80 },
      { name: "password", label: "Password", type: "password", required: true, minlength: 8, maxlength: 128, autocomplete: "new-password", hint: "8–128 characters" },
      { name: "role_id", label: "Role", type: "select", options: roleOptions("member"), value: roles.find((r) => r.name === "member")?.id },
      { name: "department_id", label: "Department", type: "select", options: departmentOptions },
    ],
    onSubmit: async (v) => {
      await api("POST", "/admin/users", { ...v, department_id: v.department_id || null });
      toast(`User ${v.username} created.`);
      load();
    },
  });

  const edit = (u) => formDialog({
    title: `Edit ${u.username}`,
    fields: [
      { name: "full_name", label: "Full name", maxlength: 80, value: u.full_name },
      { name: "role_id", label: "Role", type: "select", options: [...(roles.some((r) => r.name === u.role) ? [] : [{ value: "", label: u.role }]), ...roleOptions(u.role)], value: roles.find((r) => r.name === u.role)?.id ?? "" },
      { name: "department_id", label: "Department", type: "select", options: departmentOptions, value: u.department_id ?? "" },
      { name: "is_active", label: "Active (can log in)", type: "checkbox", value: u.is_active },
    ],
    onSubmit: async (v) => {
      const body = { full_name: v.full_name, department_id: v.department_id || null, is_active: v.is_active };
      if (v.role_id) body.role_id = v.role_id;
      await api("PUT", `/admin/users/${encodeURIComponent(u.id)}`, body);
      toast(`User ${u.username} saved.`);
      load();
    },
  });

  const toggleActive = async (u) => {
    if (u.is_active && !(await confirmDialog(`Deactivate ${u.username}?`, "They are logged out at once and cannot log in until reactivated.", "Deactivate"))) return;
    try {
      await api("PUT", `/admin/users/${encodeURIComponent(u.id)}`, { is_active: !u.is_active });
      toast(u.is_active ? `${u.username} deactivated.` : `${u.username} reactivated.`);
      load();
    } catch (e) { showError(e); }
  };

  const reset = async (u) => {
    if (!(await confirmDialog(`Reset the password of ${u.username}?`, "A temporary password replaces the current one, and all their sessions end.", "Reset password"))) return;
    try {
      const result = await api("POST", `/admin/users/${encodeURIComponent(u.id)}/reset-password`);
      secretDialog("Temporary password", `Give this password to ${u.username}. They should change it after logging in.`, result.temporary_password);
    } catch (e) { showError(e); }
  };

  const remove = async (u) => {
    if (!(await confirmDialog(`Delete ${u.username}?`, "The account is removed and its sessions end. This cannot be undone."))) return;
    try {
      await api("DELETE", `/admin/users/${encodeURIComponent(u.id)}`);
      toast(`User ${u.username} deleted.`);
      load();
    } catch (e) { showError(e); }
  };

  async function load() {
    history.replaceState(null, "", `#/users?search=${encodeURIComponent(search)}&offset=${offset}`);
    const page = await api("GET", `/admin/users?search=${encodeURIComponent(search)}&offset=${offset}&limit=${limit}`);
    list.replaceChildren(
      table([
        { title: "Username", render: (u) => h("strong", {}, u.username) },
        { title: "Full name", key: "full_name" },
        { title: "Role", key: "role" },
        { title: "Department", render: (u) => departmentName[u.department_id] ?? "—" },
        { title: "Status", render: (u) => (u.is_active ? badge("active", "ok") : badge("inactive", "bad")) },
        { title: "Last login", render: (u) => fmtDate(u.last_login_at) },
        { title: "Actions", actions: true, render: (u) => [
          guarded("users.write", "button", { class: "small", onclick: () => edit(u), "aria-label": `Edit ${u.username}` }, "Edit"),
          guarded("users.write", "button", { class: "small", onclick: () => reset(u), "aria-label": `Reset password of ${u.username}` }, "Reset password"),
          guarded("users.write", "button", { class: "small", onclick: () => toggleActive(u), "aria-label": `${u.is_active ? "Deactivate" : "Activate"} ${u.username}` }, u.is_active ? "Deactivate" : "Activate"),
          guarded("users.write", "button", { class: "small danger", onclick: () => remove(u), "aria-label": `Delete ${u.username}` }, "Delete"),
        ] },
      ], page.users, search ? "No user matches this search." : "No users yet."),
      pager(offset, limit, page.total, (o) => { offset = o; load(); }));
  }

  main.replaceChildren(pageHead("Users", h("label", {}, searchInput), guarded("users.write", "button", { class: "primary", onclick: create }, "New user")), list);
  await load();
};

pages.channels = async (main) => {
  const departments = await loadDepartments();
  const list = h("div", {});
  const membersPanel = h("section", { class: "panel", id: "members-panel", hidden: true });

  const create = () => formDialog({
    title: "New channel",
    submitLabel: "Create channel",
    fields: [
      { name: "name", label: "Name", required: true, maxlength: 80, validate: (v) => (v.trim() ? null : "Enter a name.") },
      { name: "type", label: "Type", type: "select", options: [{ value: "public", label: "Public: everyone can read and write" }, { value: "private", label: "Private: members only" }] },
      { name: "department_id", label: "Department", type: "select", options: [{ value: "", label: "No department" }, ...departments.map((d) => ({ value: d.id, label: d.name }))] },
    ],
    onSubmit: async (v) => {
      const channel = await api("POST", "/admin/channels", { ...v, department_id: v.department_id || null });
      toast(`Channel ${channel.name} created.`);
      await load();
      await showMembers(channel);
    },
  });

  const remove = async (c) => {
    if (!(await confirmDialog(`Delete channel ${c.name}?`, "Its members lose access to it. This cannot be undone."))) return;
    try {
      await api("DELETE", `/admin/channels/${encodeURIComponent(c.id)}`);
      toast(`Channel ${c.name} deleted.`);
      membersPanel.hidden = true;
      load();
    } catch (e) { showError(e); }
  };

  async function showMembers(channel) {
    const { members } = await api("GET", `/admin/channels/${encodeURIComponent(channel.id)}/members`);
    const add = () => { addDialog(); fillUserChoices(); };
    const addDialog = () => formDialog({
      title: `Add a member to ${channel.name}`,
      submitLabel: "Add member",
      fields: [
        { name: "username", label: "Username", required: true, list: "user-choices", hint: "type to search", ...USERNAME, datalist: [] },
        { name: "role", label: "Role in the channel", type: "select", options: [{ value: "member", label: "Member" }, { value: "owner", label: "Owner" }] },
      ],
      onSubmit: async (v) => {
        const found = await api("GET", `/admin/users?search=${encodeURIComponent(v.username)}&limit=50`);
        const user = found.users.find((u) => u.username.toLowerCase() === v.username.toLowerCase());
        if (!user) throw new ApiError(404, `No user named ${v.username}.`, { username: ["No such user."] });
        await api("POST", `/admin/channels/${encodeURIComponent(channel.id)}/members`, { user_id: user.id, role: v.role });
        toast(`${user.username} added to ${channel.name}.`);
        await showMembers(channel);
        load();
      },
    });
    const removeMember = async (m) => {
      if (!(await confirmDialog(`Remove ${m.username ?? m.user_id} from ${channel.name}?`, "They lose access to the channel at once.", "Remove"))) return;
      try {
        await api("DELETE", `/admin/channels/${encodeURIComponent(channel.id)}/members/${encodeURIComponent(m.user_id)}`);
        toast("Member removed.");
        await showMembers(channel);
        load();
      } catch (e) { showError(e); }
    };
    membersPanel.replaceChildren(
      h("div", { class: "page-head" }, h("h2", {}, `Members of ${channel.name}`),
        h("div", { class: "toolbar" }, guarded("channels.write", "button", { class: "primary", onclick: add }, "Add member"), h("button", { onclick: () => { membersPanel.hidden = true; } }, "Close"))),
      table([
        { title: "Username", render: (m) => m.username ?? h("span", { class: "mono" }, m.user_id) },
        { title: "Full name", render: (m) => m.full_name ?? "—" },
        { title: "Role", key: "role" },
        { title: "Joined", render: (m) => fmtDate(m.joined_at) },
        { title: "Actions", actions: true, render: (m) => guarded("channels.write", "button", { class: "small danger", onclick: () => removeMember(m), "aria-label": `Remove ${m.username ?? m.user_id}` }, "Remove") },
      ], members, channel.type === "public" ? "A public channel is open to everyone; members listed here were added explicitly." : "No members yet."));
    membersPanel.hidden = false;
    membersPanel.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }

  async function fillUserChoices() {
    try {
      const { users } = await api("GET", "/admin/users?limit=500");
      const list = document.getElementById("user-choices");
      list?.replaceChildren(...users.map((u) => h("option", { value: u.username }, u.full_name)));
    } catch { /* the field still accepts a typed name */ }
  }

  async function load() {
    const { channels } = await api("GET", "/admin/channels");
    list.replaceChildren(table([
      { title: "Name", render: (c) => h("strong", {}, c.name) },
      { title: "Type", render: (c) => badge(c.type, c.type === "private" ? "warn" : "ok") },
      { title: "Members", num: true, render: (c) => fmtNumber(c.member_count) },
      { title: "Messages", num: true, render: (c) => fmtNumber(c.last_seq) },
      { title: "Created", render: (c) => fmtDate(c.created_at) },
      { title: "Actions", actions: true, render: (c) => [
        h("button", { class: "small", onclick: () => showMembers(c).catch(showError), "aria-label": `Members of ${c.name}` }, "Members"),
        guarded("channels.write", "button", { class: "small danger", onclick: () => remove(c), "aria-label": `Delete channel ${c.name}` }, "Delete"),
      ] },
    ], channels, "No channels yet."));
  }

  main.replaceChildren(pageHead("Channels", guarded("channels.write", "button", { class: "primary", onclick: create }, "New channel")), list, membersPanel);
  await load();
};

pages.roles = async (main) => {
  const list = h("div", {});
  let permissions = [];
  const dialogFor = (role) => formDialog({
    title: role ? `Edit role ${role.name}` : "New role",
    submitLabel: role ? "Save" : "Create role",
    fields: [
      { name: "name", label: "Name", required: true, pattern: "[A-Za-z0-9_.\\-]{2,40}", title: "2–40 letters, digits, '_', '.' or '-'", value: role?.name },
      { name: "description", label: "Description", maxlength: 200, value: role?.description },
      { name: "permissions", label: "Permissions", type: "checkboxes", options: permissions, value: role?.permissions ?? [] },
    ],
    onSubmit: async (v) => {
      if (role) await api("PUT", `/admin/roles/${encodeURIComponent(role.id)}`, v);
      else await api("POST", "/admin/roles", v);
      toast(`Role ${v.name} saved.`);
      load();
    },
  });
  const remove = async (r) => {
    if (!(await confirmDialog(`Delete role ${r.name}?`, "Users holding it must get another role first."))) return;
    try { await api("DELETE", `/admin/roles/${encodeURIComponent(r.id)}`); toast(`Role ${r.name} deleted.`); load(); } catch (e) { showError(e); }
  };
  async function load() {
    const result = await api("GET", "/admin/roles");
    permissions = result.permissions;
    list.replaceChildren(table([
      { title: "Name", render: (r) => h("strong", {}, r.name) },
      { title: "Description", key: "description" },
      { title: "Permissions", render: (r) => h("div", { class: "chips" }, r.permissions.map((p) => badge(p))) },
      { title: "Actions", actions: true, render: (r) => [
        guarded("roles.write", "button", { class: "small", onclick: () => dialogFor(r), "aria-label": `Edit role ${r.name}` }, "Edit"),
        guarded("roles.write", "button", { class: "small danger", onclick: () => remove(r), "aria-label": `Delete role ${r.name}` }, "Delete"),
      ] },
    ], result.roles));
  }
  main.replaceChildren(pageHead("Roles", guarded("roles.write", "button", { class: "primary", onclick: () => dialogFor(null) }, "New role")), list);
  await load();
};

pages.departments = async (main) => {
  const list = h("div", {});
  const dialogFor = (d) => formDialog({
    title: d ? `Edit ${d.name}` : "New department",
    submitLabel: d ? "Save" : "Create department",
    fields: [
      { name: "name", label: "Name", required: true, maxlength: 80, value: d?.name, validate: (v) => (v.trim() ? null : "Enter a name.") },
      { name: "description", label: "Description", maxlength: 200, value: d?.description },
    ],
    onSubmit: async (v) => {
      if (d) await api("PUT", `/admin/departments/${encodeURIComponent(d.id)}`, v);
      else await api("POST", "/admin/departments", v);
      toast(`Department ${v.name} saved.`);
      load();
    },
  });
  const remove = async (d) => {
    if (!(await confirmDialog(`Delete department ${d.name}?`, "Its users are left without a department."))) return;
    try { await api("DELETE", `/admin/departments/${encodeURIComponent(d.id)}`); toast(`Department ${d.name} deleted.`); load(); } catch (e) { showError(e); }
  };
  async function load() {
    const departments = await loadDepartments();
    list.replaceChildren(table([
      { title: "Name", render: (d) => h("strong", {}, d.name) },
      { title: "Description", key: "description" },
      { title: "Created", render: (d) => fmtDate(d.created_at) },
      { title: "Actions", actions: true, render: (d) => [
        guarded("departments.write", "button", { class: "small", onclick: () => dialogFor(d), "aria-label": `Edit department ${d.name}` }, "Edit"),
        guarded("departments.write", "button", { class: "small danger", onclick: () => remove(d), "aria-label": `Delete department ${d.name}` }, "Delete"),
      ] },
    ], departments, "No departments yet."));
  }
  main.replaceChildren(pageHead("Departments", guarded("departments.write", "button", { class: "primary", onclick: () => dialogFor(null) }, "New department")), list);
  await load();
};

pages.devices = async (main) => {
  const list = h("div", {});
  let kinds = [];
  let users = [];
  const nameOf = (id) => users.find((u) => u.id === id)?.username;
  const dialogFor = (d) => formDialog({
    title: d ? `Edit ${d.name}` : "Register a device",
    submitLabel: d ? "Save" : "Register device",
    fields: [
      { name: "name", label: "Name", required: true, maxlength: 80, value: d?.name },
      { name: "kind", label: "Kind", type: "select", options: kinds.map((k) => ({ value: k, label: k })), value: d?.kind ?? "desktop" },
      { name: "identifier", label: "Identifier", required: true, maxlength: 128, value: d?.identifier, hint: "hostname, MAC address or asset tag" },
      { name: "user", label: "Assigned to", list: "device-users", value: d?.user_id ? nameOf(d.user_id) ?? "" : "", hint: "username, optional", datalist: users.map((u) => u.username) },
      { name: "is_active", label: "In service", type: "checkbox", value: d ? d.is_active : true },
      { name: "notes", label: "Notes", type: "textarea", maxlength: 500, value: d?.notes },
    ],
    onSubmit: async (v) => {
      let userId = null;
      if (v.user) {
        userId = users.find((u) => u.username.toLowerCase() === v.user.toLowerCase())?.id;
        if (!userId) throw new ApiError(400, `No user named ${v.user}.`, { user: ["No such user."] });
      }
      const body = { name: v.name, kind: v.kind, identifier: v.identifier, user_id: userId, is_active: v.is_active, notes: v.notes };
      if (d) await api("PUT", `/admin/devices/${encodeURIComponent(d.id)}`, body);
      else await api("POST", "/admin/devices", body);
      toast(`Device ${v.name} saved.`);
      load();
    },
  });
  const remove = async (d) => {
    if (!(await confirmDialog(`Remove device ${d.name}?`, "It is taken off the register."))) return;
    try { await api("DELETE", `/admin/devices/${encodeURIComponent(d.id)}`); toast(`Device ${d.name} removed.`); load(); } catch (e) { showError(e); }
  };
  async function load() {
    const [result, page] = await Promise.all([api("GET", "/admin/devices"), can("users.read") ? api("GET", "/admin/users?limit=500") : { users: [] }]);
    kinds = result.kinds;
    users = page.users;
    list.replaceChildren(table([
      { title: "Name", render: (d) => h("strong", {}, d.name) },
      { title: "Kind", key: "kind" },
      { title: "Identifier", render: (d) => h("span", { class: "mono" }, d.identifier) },
      { title: "Assigned to", render: (d) => (d.user_id ? nameOf(d.user_id) ?? d.user_id : "—") },
      { title: "Status", render: (d) => (d.is_active ? badge("in service", "ok") : badge("retired")) },
      { title: "Actions", actions: true, render: (d) => [
        guarded("devices.write", "button", { class: "small", onclick: () => dialogFor(d), "aria-label": `Edit device ${d.name}` }, "Edit"),
        guarded("devices.write", "button", { class: "small danger", onclick: () => remove(d), "aria-label": `Remove device ${d.name}` }, "Remove"),
      ] },
    ], result.devices, "No devices registered yet."));
  }
  main.replaceChildren(pageHead("Devices", guarded("devices.write", "button", { class: "primary", onclick: () => dialogFor(null) }, "Register device")), list);
  await load();
};

pages.admins = async (main) => {
  const list = h("div", {});
  // The built-in roles, then the roles of the roles list: an admin with one of those gets its admin permissions.
  const custom = (await loadRoles()).roles.map((r) => ({ value: r.name, label: `${r.name}: ${r.permissions.filter((p) => PERMISSION_NAMES.has(p)).join(", ") || "no admin permissions"}` }));
  const roles = [{ value: "admin", label: "admin: manages the office" }, { value: "super_admin", label: "super_admin: also manages admins" }, { value: "viewer", label: "viewer: may log in, may not act" }, ...custom];
  const create = () => formDialog({
    title: "New admin",
    submitLabel: "Create admin",
    fields: [
      { name: "username", label: "Username", required: true, ...USERNAME },
      { name: "password", label: "Password", type: "password", required: true, minlength: 8, maxlength: 128, autocomplete: "new-password", hint: "8–128 characters" },
      { name: "role", label: "Role", type: "select", options: roles },
    ],
    onSubmit: async (v) => { await api("POST", "/admin/admins", v); toast(`Admin ${v.username} created.`); load(); },
  });
  const edit = (a) => formDialog({
    title: `Edit admin ${a.username}`,
    fields: [
      { name: "role", label: "Role", type: "select", options: roles, value: a.role },
      { name: "password", label: "New password", type: "password", minlength: 8, maxlength: 128, autocomplete: "new-password", hint: "leave empty to keep it" },
    ],
    onSubmit: async (v) => {
      const body = { role: v.role };
      if (v.password) body.password = v.password;
      await api("PUT", `/admin/admins/${encodeURIComponent(a.id)}`, body);
      toast(`Admin ${a.username} saved.`);
      if (a.id === state.me.id) { await enterApp(); return; }
      load();
    },
  });
  const remove = async (a) => {
    if (!(await confirmDialog(`Delete admin ${a.username}?`, "Their sessions end at once."))) return;
    try { await api("DELETE", `/admin/admins/${encodeURIComponent(a.id)}`); toast(`Admin ${a.username} deleted.`); load(); } catch (e) { showError(e); }
  };
  async function load() {
    const { admins } = await api("GET", "/admin/admins");
    list.replaceChildren(table([
      { title: "Username", render: (a) => h("strong", {}, a.username, a.id === state.me.id ? " (you)" : "") },
      { title: "Role", render: (a) => badge(a.role, a.role === "super_admin" ? "warn" : a.role === "admin" ? "ok" : "") },
      { title: "Last login", render: (a) => fmtDate(a.last_login_at) },
      { title: "Created", render: (a) => fmtDate(a.created_at) },
      { title: "Actions", actions: true, render: (a) => [
        guarded("admins.write", "button", { class: "small", onclick: () => edit(a), "aria-label": `Edit admin ${a.username}` }, "Edit"),
        guarded("admins.write", "button", { class: "small danger", onclick: () => remove(a), "aria-label": `Delete admin ${a.username}` }, "Delete"),
      ] },
    ], admins));
  }
  main.replaceChildren(pageHead("Admins", guarded("admins.write", "button", { class: "primary", onclick: create }, "New admin")), list);
  await load();
};

pages.audit = async (main, params) => {
  const limit = 50;
  let offset = Number(params.get("offset") ?? 0) || 0;
  const list = h("div", {});
  const status = h("span", { class: "hint", id: "chain-status" });
  const filters = h("form", { class: "panel toolbar", id: "audit-filters", novalidate: true },
    h("label", {}, "Actor id", h("input", { name: "actor_id", maxlength: 64, value: params.get("actor_id") ?? "" })),
    h("label", {}, "Action", h("input", { name: "action", maxlength: 64, placeholder: "e.g. admin.user.create", value: params.get("action") ?? "" })),
    h("label", {}, "From", h("input", { name: "from", type: "datetime-local", value: params.get("from") ?? "" })),
    h("label", {}, "To", h("input", { name: "to", type: "datetime-local", value: params.get("to") ?? "" })),
    h("button", { type: "submit", class: "primary" }, "Filter"),
    h("button", { type: "button", onclick: () => { filters.reset(); [...filters.elements].forEach((e) => { if (e.name) e.value = ""; }); offset = 0; load(); } }, "Clear"));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const from = filters.from.value, to = filters.to.value;
    filters.to.setCustomValidity(from && to && to < from ? "'To' must not be before 'From'." : "");
    if (!filters.reportValidity()) return;
    offset = 0;
    load().catch(showError);
  });
  const query = () => {
    const q = new URLSearchParams();
    const add = (k, v) => { if (v) q.set(k, v); };
    add("actor_id", filters.actor_id.value.trim());
    add("action", filters.action.value.trim());
    add("from", filters.from.value ? new Date(filters.from.value).toISOString() : "");
    add("to", filters.to.value ? new Date(filters.to.value).toISOString() : "");
    return q;
  };
  async function load() {
    const q = query();
    q.set("offset", offset);
    q.set("limit", limit);
    const page = await api("GET", `/admin/audit?${q}`);
    list.replaceChildren(
      table([
        { title: "Time", nowrap: true, render: (e) => fmtDate(e.timestamp) },
        { title: "Actor", render: (e) => e.actor_name ?? h("span", { class: "mono" }, e.actor_id) },
        { title: "Action", render: (e) => h("span", { class: "mono" }, e.action) },
        { title: "Target", render: (e) => h("span", { class: "mono" }, e.target_resource) },
        { title: "Details", key: "details" },
      ], page.entries, "No entries match."),
      pager(offset, limit, page.total, (o) => { offset = o; load().catch(showError); }));
  }
  const verify = async () => {
    try {
      const result = await api("GET", "/admin/audit/verify");
      status.textContent = result.intact ? `Chain intact (${fmtNumber(result.checked)} entries checked).` : `Chain broken at entry ${result.broken_at_id}: ${result.problem}`;
    } catch (e) { showError(e); }
  };
  main.replaceChildren(pageHead("Audit log", status, h("button", { onclick: verify }, "Verify chain")), filters, list);
  await load();
};

pages.system = async (main) => {
  const healthBox = h("div", {});
  const infoBox = h("div", {});
  const metricsBox = h("div", {});
  async function load() {
    const [health, system, metrics] = await Promise.all([
      api("GET", "/admin/system/health"), api("GET", "/admin/monitoring/system"), api("GET", "/admin/system/metrics")]);
    healthBox.replaceChildren(
      h("h2", {}, "Health ", badge(health.status, health.status === "ok" ? "ok" : "bad")),
      table([
        { title: "Check", key: "name" },
        { title: "Status", render: (c) => badge(c.status, c.status === "ok" ? "ok" : "bad") },
        { title: "Detail", key: "detail" },
        { title: "Latency (ms)", num: true, render: (c) => c.latency_ms.toFixed(1) },
      ], health.checks));
    infoBox.replaceChildren(h("div", { class: "cards" },
      card("Version", system.version, system.runtime),
      card("Uptime", fmtDuration(system.uptime_seconds), `since ${fmtDate(system.started_at)}`),
      card("CPU", `${system.cpu_percent}%`, `${system.processor_count} cores`),
      card("Memory", fmtBytes(system.working_set_bytes), `GC heap ${fmtBytes(system.gc_heap_bytes)}`),
      card("Threads", fmtNumber(system.thread_count), system.os),
      card("Disk free", fmtBytes(system.data_directory_free_bytes), "data directory")));
    const rows = [...metrics.endpoints].sort((a, b) => b.count - a.count);
    metricsBox.replaceChildren(
      h("h2", {}, "Endpoints"),
      h("p", { class: "hint" }, `Since ${fmtDate(metrics.since)}. Percentiles cover each endpoint's latest 2048 requests. Prometheus can scrape /metrics on this port.`),
      table([
        { title: "Module", key: "module" },
        { title: "Method", key: "method" },
        { title: "Route", render: (e) => h("span", { class: "mono" }, e.route) },
        { title: "Count", num: true, render: (e) => fmtNumber(e.count) },
        { title: "Errors", num: true, render: (e) => (e.error_count ? badge(fmtNumber(e.error_count), "bad") : "0") },
        { title: "4xx", num: true, render: (e) => fmtNumber(e.client_error_count) },
        { title: "Avg ms", num: true, render: (e) => e.avg_ms.toFixed(1) },
        { title: "p95 ms", num: true, render: (e) => e.p95_ms.toFixed(1) },
        { title: "p99 ms", num: true, render: (e) => e.p99_ms.toFixed(1) },
        { title: "Max ms", num: true, render: (e) => e.max_ms.toFixed(1) },
      ], rows, "No requests yet."));
  }
  main.replaceChildren(pageHead("System", h("button", { onclick: () => load().catch(showError) }, "Refresh")),
    h("section", { class: "panel" }, healthBox), infoBox, h("section", {}, metricsBox));
  await load();
  const timer = setInterval(() => load().catch(() => {}), 10000);
  return () => clearInterval(timer);
};

pages.cluster = async (main) => {
  const box = h("div", {});
  const render = (status) => box.replaceChildren(
    h("div", { class: "cards" },
      card("This node", status.node_id),
      card("Nodes", `${status.healthy}/${status.total}`, "healthy / total")),
    table([
      { title: "Node", render: (n) => h("span", {}, h("strong", {}, n.id), n.is_leader ? " " : "", n.is_leader ? badge("leader", "ok") : "") },
      { title: "Address", render: (n) => h("span", { class: "mono" }, n.address) },
      { title: "Role", key: "role" },
      { title: "Health", render: (n) => (n.healthy ? badge("healthy", "ok") : badge("unhealthy", "bad")) },
      { title: "Version", key: "version" },
      { title: "Uptime", render: (n) => fmtDuration(n.uptime_seconds) },
      { title: "Connections", num: true, render: (n) => fmtNumber(n.connections) },
      { title: "Last seen", render: (n) => fmtDate(n.last_seen) },
    ], status.nodes));
  main.replaceChildren(pageHead("Cluster"), box);
  render(await api("GET", "/admin/cluster/status"));
  return onLive((frame) => { if (frame.event === "cluster") render(frame.payload); });
};

// ---------- routing

function cleanupPage() {
  if (typeof state.pageCleanup === "function") state.pageCleanup();
  state.pageCleanup = null;
}

async function route() {
  if (!state.token) { showLogin(); return; }
  if (!state.me) { await enterApp().catch(() => {}); return; }
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const name = pages[path] ? path : "overview";
  cleanupPage();
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === `#/${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  closeMenu();
  const main = $("#main");
  document.title = `${name[0].toUpperCase()}${name.slice(1)} · Ziyad Admin`;
  if (!can(PAGE_PERMISSIONS[name])) {
    const first = Object.keys(PAGE_PERMISSIONS).find((page) => can(PAGE_PERMISSIONS[page]));
    if (first) { location.hash = `#/${first}`; return; }
    main.replaceChildren(pageHead("Welcome"), h("p", { class: "notice" },
      `Your admin role (${state.me.role}) holds no permission for this page. Ask a super admin for a role that does.`));
    return;
  }
  main.replaceChildren(h("p", { class: "hint" }, "Loading…"));
  main.dataset.page = name;
  try {
    state.pageCleanup = await pages[name](main, new URLSearchParams(query ?? ""));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    main.replaceChildren(pageHead(name[0].toUpperCase() + name.slice(1)), h("div", { class: "alert", role: "alert" }, e instanceof ApiError ? e.message : "This page could not be loaded."));
  }
  main.focus({ preventScroll: true });
}

function closeMenu() {
  $("#nav").classList.remove("open");
  $("#menu-button").setAttribute("aria-expanded", "false");
}

$("#menu-button").addEventListener("click", () => {
  const open = $("#nav").classList.toggle("open");
  $("#menu-button").setAttribute("aria-expanded", String(open));
});
$("#login-form").addEventListener("submit", login);
$("#logout-button").addEventListener("click", async () => {
  try { await api("POST", "/admin/logout"); } catch { /* logging out locally is enough */ }
  logout("You have logged out.");
});
window.addEventListener("hashchange", () => { if (!location.hash.startsWith("#/login")) route(); });
document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeMenu(); });

if (state.token) enterApp(location.hash.startsWith("#/login") ? "#/overview" : null).catch(() => {});
else showLogin();
