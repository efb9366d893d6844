// threadpilot's web chat: plain JavaScript, no build step. The server keeps the conversations; this page shows
// them, sends questions, and follows the answers over server-sent events. The model's Markdown is rendered by
// markdown-it with raw HTML off (any HTML is shown as text) and only http(s) links; the page's CSP runs no script
// but this one and markdown-it.
"use strict";

const API_HEADERS = { "content-type": "application/json", "x-threadpilot": "1" };
const TOKEN_KEY = "threadpilot-token";

const md = window.markdownit({ html: false, linkify: true, breaks: false });
md.disable(["image"]); // A model's image link would load a remote URL (a way to leak the conversation).
md.validateLink = (url) => /^https?:\/\//i.test(url.trim());
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet("target", "_blank");
  tokens[idx].attrSet("rel", "noopener noreferrer nofollow");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

// Icons as inline SVG (paths from Lucide, ISC licence): emoji need a colour-emoji font many systems lack.
const ICONS = {
  up: ["M7 10v12", "M15 5.88 14 10h5.83a2 2 0 0 1 1.92 2.56l-2.33 8A2 2 0 0 1 17.5 22H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.76a2 2 0 0 0 1.79-1.11L12 2a3.13 3.13 0 0 1 3 3.88Z"],
  down: ["M17 14V2", "M9 18.12 10 14H4.17a2 2 0 0 1-1.92-2.56l2.33-8A2 2 0 0 1 6.5 2H20a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-2.76a2 2 0 0 0-1.79 1.11L12 22a3.13 3.13 0 0 1-3-3.88Z"],
  file: ["M15 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V7Z", "M14 2v4a2 2 0 0 0 2 2h4"],
};

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  for (const d of ICONS[name]) {
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

const $ = (id) => document.getElementById(id);
const els = {
  app: $("app"),
  sidebar: $("sidebar"),
  toggleSidebar: $("toggle-sidebar"),
  list: $("conversation-list"),
  newConversation: $("new-conversation"),
  title: $("conversation-title"),
  messages: $("messages"),
  empty: $("empty"),
  composer: $("composer"),
  input: $("message-input"),
  fileInput: $("file-input"),
  attach: $("attach"),
  stop: $("stop"),
  send: $("send"),
  pending: $("pending-files"),
  status: $("status"),
  tokenDialog: $("token-dialog"),
  tokenForm: $("token-form"),
  tokenInput: $("token-input"),
  tokenError: $("token-error"),
};

const state = {
  conversations: [], // { id, title, updatedAt }, newest first
  currentId: undefined,
  messages: new Map(), // id -> message of the current conversation
  running: new Set(), // conversation ids with an answer streaming
  pendingFiles: [], // uploaded, not yet sent: { id, name, size, imageType }
  events: undefined,
};

// ---- talking to the server ---------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: method === "GET" ? {} : API_HEADERS,
    body: body === undefined ? (method === "GET" ? undefined : "{}") : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    await signIn(data.error);
    return api(method, path, body);
  }
  if (!response.ok) throw new ApiError(response.status, data.error || `The server answered ${response.status}.`);
  return data;
}

/** Opens a session: with a token from the URL (taken once, then removed from it), sessionStorage, or the dialog. */
async function signIn(reason) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
    const response = await fetch("/api/session", { method: "POST", headers: API_HEADERS, body: JSON.stringify({ token }) });
    if (response.ok) return;
    const data = await response.json().catch(() => ({}));
    sessionStorage.removeItem(TOKEN_KEY);
    await askForToken(token ? data.error : reason);
  }
}

function askForToken(message) {
  return new Promise((resolve) => {
    els.tokenError.textContent = message && message !== "Enter the chat's access token to continue." ? message : "";
    els.tokenInput.value = "";
    els.tokenForm.onsubmit = (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, els.tokenInput.value.trim());
      els.tokenDialog.close();
      resolve();
    };
    if (!els.tokenDialog.open) els.tokenDialog.showModal();
    els.tokenInput.focus();
  });
}

function takeTokenFromUrl() {
  const url = new URL(location.href);
  const hash = new URLSearchParams(url.hash.replace(/^#/, ""));
  const token = url.searchParams.get("token") ?? hash.get("token");
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete("token");
  hash.delete("token");
  url.hash = hash.toString();
  history.replaceState(null, "", url.toString());
}

function followEvents() {
  const events = new EventSource("/api/events");
  state.events = events;
  let dropped = false;
  events.addEventListener("error", () => {
    dropped = true;
  });
  events.addEventListener("open", () => {
    // Back after a drop: whatever changed meanwhile is in the store.
    if (dropped && state.currentId) void openConversation(state.currentId, { keepFocus: true });
    dropped = false;
  });
  events.addEventListener("message", (event) => {
    const { conversationId, message } = JSON.parse(event.data);
    if (conversationId !== state.currentId) return;
    state.messages.set(message.id, message);
    renderMessage(message);
  });
  events.addEventListener("deleted", (event) => {
    const { conversationId, messageId } = JSON.parse(event.data);
    if (conversationId !== state.currentId) return;
    state.messages.delete(messageId);
    messageElement(messageId)?.remove();
  });
  events.addEventListener("conversation", (event) => {
    upsertConversation(JSON.parse(event.data).conversation);
  });
  events.addEventListener("running", (event) => {
    const { conversationId, running } = JSON.parse(event.data);
    if (running) state.running.add(conversationId);
    else state.running.delete(conversationId);
    if (conversationId === state.currentId) renderRunning();
  });
}

// ---- conversations -----------------------------------------------------------------------------------------

function upsertConversation(summary) {
  state.conversations = [summary, ...state.conversations.filter((c) => c.id !== summary.id)].sort((a, b) => b.updatedAt - a.updatedAt);
  renderConversationList();
  if (summary.id === state.currentId) els.title.textContent = summary.title;
}

function renderConversationList() {
  els.list.replaceChildren(
    ...state.conversations.map((conversation) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#c=${encodeURIComponent(conversation.id)}`;
      link.textContent = conversation.title;
      link.dataset.id = conversation.id;
      if (conversation.id === state.currentId) link.setAttribute("aria-current", "page");
      item.append(link);
      return item;
    }),
  );
}

async function loadConversations() {
  const { conversations } = await api("GET", "/api/conversations");
  state.conversations = conversations;
  renderConversationList();
}

async function openConversation(id, { keepFocus = false } = {}) {
  let data;
  try {
    data = await api("GET", `/api/conversations/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error.status === 404) {
      startNewConversation();
      return;
    }
    throw error;
  }
  state.currentId = id;
  state.messages = new Map(data.messages.map((m) => [m.id, m]));
  if (data.running) state.running.add(id);
  else state.running.delete(id);
  els.title.textContent = data.conversation.title;
  if (location.hash !== `#c=${id}`) history.replaceState(null, "", `#c=${encodeURIComponent(id)}`);
  for (const element of [...els.messages.querySelectorAll(".message")]) element.remove();
  for (const message of data.messages) renderMessage(message);
  renderConversationList();
  renderRunning();
  closeSidebar();
  if (!keepFocus) els.input.focus();
}

function startNewConversation() {
  state.currentId = undefined;
  state.messages = new Map();
  for (const element of [...els.messages.querySelectorAll(".message")]) element.remove();
  els.title.textContent = "New conversation";
  history.replaceState(null, "", location.pathname);
  renderConversationList();
  renderRunning();
  closeSidebar();
  els.input.focus();
}

// ---- messages ----------------------------------------------------------------------------------------------

function messageElement(id) {
  return els.messages.querySelector(`.message[data-id="${CSS.escape(id)}"]`);
}

function renderMessage(message) {
  const nearBottom = els.messages.scrollHeight - els.messages.scrollTop - els.messages.clientHeight < 80;
  let element = messageElement(message.id);
  if (!element) {
    element = document.createElement("article");
    element.className = `message ${message.role}`;
    element.dataset.id = message.id;
    element.dataset.role = message.role;
    element.dataset.seq = String(message.seq);
    const author = document.createElement("h2");
    author.className = "author";
    author.textContent = message.role === "user" ? "You" : "threadpilot";
    const body = document.createElement("div");
    body.className = "body";
    element.append(author, body);
    const after = [...els.messages.querySelectorAll(".message")].find((m) => Number(m.dataset.seq) > message.seq);
    els.messages.insertBefore(element, after ?? null);
  }
  const body = element.querySelector(".body");
  if (message.role === "user") {
    body.textContent = message.text;
  } else {
    // markdown-it escapes every character of raw HTML (html: false), so this string holds no element the model wrote.
    body.innerHTML = md.render(message.text);
  }
  renderAttachments(element, message.attachments ?? []);
  if (message.role === "assistant") renderFeedback(element, message);
  els.empty.hidden = true;
  if (nearBottom) els.messages.scrollTop = els.messages.scrollHeight;
}

function renderAttachments(element, attachments) {
  element.querySelector(".attachments")?.remove();
  if (attachments.length === 0) return;
  const list = document.createElement("ul");
  list.className = "attachments";
  for (const file of attachments) {
    const item = document.createElement("li");
    const url = `/api/files/${encodeURIComponent(file.id)}`;
    if (file.imageType) {
      const image = document.createElement("img");
      image.src = url;
      image.alt = file.name;
      image.loading = "lazy";
      item.append(image);
    } else {
      const link = document.createElement("a");
      link.href = url;
      link.download = file.name;
      link.append(icon("file"), document.createTextNode(file.name));
      item.append(link);
    }
    list.append(item);
  }
  element.querySelector(".body").after(list);
}

function renderFeedback(element, message) {
  let bar = element.querySelector(".feedback");
  if (!bar) {
    bar = document.createElement("div");
    bar.className = "feedback";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Rate this answer");
    for (const [rating, label] of [["up", "Good answer"], ["down", "Bad answer"]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `rate rate-${rating}`;
      button.dataset.rating = rating;
      button.setAttribute("aria-label", label);
      button.title = label;
      button.append(icon(rating));
      bar.append(button);
    }
    element.append(bar);
  }
  for (const button of bar.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(message.feedback === button.dataset.rating));
  }
}

async function rate(messageId, rating) {
  const message = state.messages.get(messageId);
  if (!message || !state.currentId) return;
  const next = message.feedback === rating ? null : rating;
  try {
    const { message: updated } = await api("POST", `/api/conversations/${encodeURIComponent(state.currentId)}/messages/${encodeURIComponent(messageId)}/feedback`, { rating: next });
    state.messages.set(updated.id, updated);
    renderMessage(updated);
  } catch (error) {
    say(error.message);
  }
}

function renderRunning() {
  const running = state.currentId !== undefined && state.running.has(state.currentId);
  els.stop.hidden = !running;
  els.app.classList.toggle("running", running);
  // A screen reader hears the answer once it is complete, not at every one of its updates.
  els.messages.setAttribute("aria-busy", String(running));
}

// ---- sending -----------------------------------------------------------------------------------------------

async function send() {
  const text = els.input.value.trim();
  const files = state.pendingFiles;
  if (!text && files.length === 0) return;
  say("");
  try {
    if (!state.currentId) {
      const { conversation } = await api("POST", "/api/conversations", {});
      upsertConversation(conversation);
      await openConversation(conversation.id);
    }
    const id = crypto.randomUUID();
    els.input.value = "";
    state.pendingFiles = [];
    renderPendingFiles();
    const body = { id, text, attachments: files.map((f) => f.id) };
    const path = `/api/conversations/${encodeURIComponent(state.currentId)}/messages`;
    // The same id on a retry: the server keeps and answers the message once.
    const { message } = await api("POST", path, body).catch((error) => {
      if (error instanceof ApiError) throw error;
      return api("POST", path, body);
    });
    state.messages.set(message.id, message);
    renderMessage(message);
  } catch (error) {
    say(error.message);
  }
  els.input.focus();
}

async function stop() {
  if (!state.currentId) return;
  try {
    await api("POST", `/api/conversations/${encodeURIComponent(state.currentId)}/stop`, {});
  } catch (error) {
    say(error.message);
  }
}

async function upload(fileList) {
  for (const file of fileList) {
    say(`Uploading ${file.name}…`);
    const response = await fetch("/api/files", {
      method: "POST",
      headers: { "content-type": file.type || "application/octet-stream", "x-file-name": encodeURIComponent(file.name), "x-threadpilot": "1" },
      body: file,
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401) {
      await signIn(data.error);
      return upload([file]);
    }
    if (!response.ok) {
      say(data.error || `Could not upload ${file.name}.`);
      return;
    }
    state.pendingFiles.push(data.file);
    renderPendingFiles();
  }
  say("");
}

function renderPendingFiles() {
  els.pending.replaceChildren(
    ...state.pendingFiles.map((file) => {
      const item = document.createElement("li");
      item.textContent = file.name;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `Remove ${file.name}`);
      remove.addEventListener("click", () => {
        state.pendingFiles = state.pendingFiles.filter((f) => f.id !== file.id);
        renderPendingFiles();
        els.input.focus();
      });
      item.append(remove);
      return item;
    }),
  );
}

function say(text) {
  els.status.textContent = text;
}

// ---- layout on a phone -------------------------------------------------------------------------------------

function closeSidebar() {
  els.app.classList.remove("sidebar-open");
  els.toggleSidebar.setAttribute("aria-expanded", "false");
}

// ---- wiring ------------------------------------------------------------------------------------------------

els.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  void send();
});
els.input.addEventListener("keydown", (event) => {
  // Enter sends; Shift+Enter is a new line; Enter while an input method composes a word belongs to it.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void send();
  }
});
els.stop.addEventListener("click", () => void stop());
els.attach.addEventListener("click", () => els.fileInput.click());
els.fileInput.addEventListener("change", () => {
  const files = [...els.fileInput.files];
  els.fileInput.value = "";
  void upload(files);
});
els.newConversation.addEventListener("click", () => startNewConversation());
els.list.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-id]");
  if (!link) return;
  event.preventDefault();
  void openConversation(link.dataset.id);
});
els.messages.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-rating]");
  if (!button) return;
  void rate(button.closest(".message").dataset.id, button.dataset.rating);
});
els.toggleSidebar.addEventListener("click", () => {
  const open = els.app.classList.toggle("sidebar-open");
  els.toggleSidebar.setAttribute("aria-expanded", String(open));
  if (open) els.newConversation.focus();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && els.app.classList.contains("sidebar-open")) closeSidebar();
});

async function start() {
  takeTokenFromUrl();
  await signIn();
  followEvents();
  await loadConversations();
  const fromUrl = new URLSearchParams(location.hash.replace(/^#/, "")).get("c");
  if (fromUrl) await openConversation(fromUrl);
  else startNewConversation();
  document.body.dataset.ready = "true";
}

start().catch((error) => say(`The chat could not start: ${error.message}`));
