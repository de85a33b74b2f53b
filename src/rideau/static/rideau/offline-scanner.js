/* Rideau scanner: offline checking of signed tickets (ADR 0007).
 *
 * While online the page keeps a copy of the list's offline data (public keys, rules, ticket
 * ids to refuse) in localStorage. When a scan cannot reach the server, the secret is decoded
 * (base32), its Ed25519 signature checked with WebCrypto, and the list's rules applied; a
 * valid scan is queued with its nonce and sent to the scan API when the network is back (the
 * nonce makes a re-sent scan count once).
 *
 * At a session's door (data-door, ADR 0023) the data also says whose tickets enter the
 * session and who is already present: a ticket is "present" (queued, then sent to the
 * door's scan API, which marks it once), "already present" or "not registered", after the
 * same checks of the ticket itself (its event, cancelled, unpaid) as the door online.
 */
(function () {
  "use strict";
  var root = document.getElementById("offline-scanner");
  var form = document.getElementById("scan-form");
  if (!root || !form) { return; }
  var input = form.querySelector("input[name=secret]");
  var badge = document.getElementById("offline-badge");
  var queueInfo = document.getElementById("offline-queue");
  var messages = {};  // result -> text, from the root's data-msg-* attributes (translated)
  ["valid", "already_used", "wrong_event", "wrong_date", "cancelled", "unpaid", "unknown", "unsigned",
    "no_data", "unsupported", "queued", "present", "already_present", "not_registered"].forEach(function (name) {
    messages[name] = root.getAttribute("data-msg-" + name.replace("_", "-")) || name;
  });
  var atDoor = root.hasAttribute("data-door");
  var storageKey = root.getAttribute("data-storage-key");
  var offlineUrl = root.getAttribute("data-offline-url");
  var scanUrl = root.getAttribute("data-scan-url");
  var countUrl = root.getAttribute("data-count-url");
  var PREFIX = [0x52, 0x44, 0x55, 0x31];  // "RDU1"
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var REFRESH_MS = 60000, SYNC_MS = 10000;
  var keys = {};  // kid -> CryptoKey
  var state = load();
  var pending = null;  // the scan being sent online: {secret, nonce}
  var syncing = false;

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      if (saved && Array.isArray(saved.queue)) { return saved; }
    } catch (e) { /* storage unavailable or corrupt: start afresh */ }
    return { data: null, queue: [], admitted: [] };
  }
  function save() {
    try { window.localStorage.setItem(storageKey, JSON.stringify(state)); } catch (e) { /* full */ }
  }
  function newNonce() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }

  // --- display --------------------------------------------------------------------------
  function showState() {
    var offline = !navigator.onLine;
    badge.hidden = !offline;
    root.setAttribute("data-online", offline ? "false" : "true");
    root.setAttribute("data-queued", String(state.queue.length));
    if (state.queue.length) {
      queueInfo.textContent = messages.queued.replace("%(count)s", String(state.queue.length));
      queueInfo.hidden = false;
    } else {
      queueInfo.hidden = true;
    }
  }
  function showResult(result, text) {
    var old = document.getElementById("scan-result");
    var box = document.createElement("div");
    box.id = "scan-result";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "assertive");
    box.setAttribute("data-result", result);
    box.setAttribute("data-offline", "true");
    var cls = (result === "valid" || result === "present") ? "scan-valid"
      : ((result === "already_used" || result === "already_present") ? "scan-used" : "scan-refused");
    box.className = "scan-result scan-shown " + cls;
    var headline = document.createElement("p");
    headline.className = "scan-headline";
    headline.textContent = text;
    box.appendChild(headline);
    old.parentNode.replaceChild(box, old);  // a new element restarts the fade animation
  }

  // --- decoding and verifying -----------------------------------------------------------
  function base32(text) {
    var bits = 0, value = 0, out = [];
    for (var i = 0; i < text.length; i++) {
      var index = ALPHABET.indexOf(text.charAt(i));
      if (index < 0) { return null; }
      value = (value << 5) | index;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    if (value & ((1 << bits) - 1)) { return null; }  // stray trailing bits: not canonical
    return new Uint8Array(out);
  }
  function readVarint(bytes, at) {
    var value = 0, factor = 1;
    for (var n = 0; n < 9; n++) {
      if (at >= bytes.length) { return null; }
      var byte = bytes[at++];
      value += (byte & 0x7f) * factor;
      if (!(byte & 0x80)) { return [value, at]; }
      factor *= 128;
    }
    return null;
  }
  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }
  function decode(secret) {
    var text = secret.trim().toUpperCase();
    if (text.length < 123 || text.length > 200) { return null; }
    var raw = base32(text);
    if (!raw || raw.length < 77) { return null; }  // version, kid, 8-byte id, 3 ids, signature
    var payload = raw.slice(0, raw.length - 64), signature = raw.slice(raw.length - 64);
    if (payload[0] !== 1) { return null; }
    var kid = readVarint(payload, 1); if (!kid) { return null; }
    var at = kid[1];
    var tid = payload.slice(at, at + 8); at += 8;
    if (tid.length !== 8) { return null; }
    var ev = readVarint(payload, at); if (!ev) { return null; }
    var date = readVarint(payload, ev[1]); if (!date) { return null; }
    var product = readVarint(payload, date[1]); if (!product) { return null; }
    if (product[1] !== payload.length) { return null; }
    return {
      kid: kid[0], ticketId: hex(tid), eventId: ev[0], dateId: date[0] || null,
      productId: product[0], payload: payload, signature: signature
    };
  }
  function fromBase64Url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }
  function importKeys() {
    keys = {};
    if (!state.data || !window.crypto || !crypto.subtle) { return Promise.resolve(); }
    return Promise.all(state.data.keys.map(function (key) {
      return crypto.subtle.importKey("raw", fromBase64Url(key.public_key), { name: "Ed25519" }, false, ["verify"])
        .then(function (imported) { keys[key.kid] = imported; })
        .catch(function () { /* a browser without Ed25519: nothing verifies offline */ });
    })).then(function () {
      // how many keys this device can verify with (for people and tests alike)
      root.setAttribute("data-keys", String(Object.keys(keys).length));
    });
  }
  function verify(ticket) {
    var key = keys[ticket.kid];
    if (!key) { return Promise.resolve(false); }
    var message = new Uint8Array(PREFIX.length + ticket.payload.length);
    message.set(PREFIX, 0);
    message.set(ticket.payload, PREFIX.length);
    return crypto.subtle.verify({ name: "Ed25519" }, key, ticket.signature, message)
      .catch(function () { return false; });
  }

  // --- judging a scan offline -----------------------------------------------------------
  function judgeDoor(ticket) {
    // the door's rules (registration/door.py): the ticket's standing, then the session
    var data = state.data, door = data.door || { registered: [], present: [] };
    if (ticket.eventId !== data.event_id) { return "wrong_event"; }
    if (data.revoked.indexOf(ticket.ticketId) >= 0) { return "cancelled"; }
    if (data.unpaid.indexOf(ticket.ticketId) >= 0) { return "unpaid"; }
    if (door.registered.indexOf(ticket.ticketId) < 0) { return "not_registered"; }
    if (door.present.indexOf(ticket.ticketId) >= 0 || state.admitted.indexOf(ticket.ticketId) >= 0) {
      return "already_present";
    }
    return "present";
  }
  function judge(ticket) {
    if (atDoor) { return judgeDoor(ticket); }
    var data = state.data;
    if (ticket.eventId !== data.event_id) { return "wrong_event"; }
    if (data.products.length && data.products.indexOf(ticket.productId) < 0) { return "wrong_event"; }
    if (data.revoked.indexOf(ticket.ticketId) >= 0) { return "cancelled"; }  // before the date, as online
    if (data.dates.length && data.dates.indexOf(ticket.dateId) < 0) { return "wrong_date"; }
    var window_ = (data.entry_windows || {})[String(ticket.dateId)];
    if (window_ && (Date.now() < window_[0] || Date.now() > window_[1])) { return "wrong_date"; }
    if (data.unpaid.indexOf(ticket.ticketId) >= 0) { return "unpaid"; }
    if (!data.allow_multiple_entries &&
        (data.used.indexOf(ticket.ticketId) >= 0 || state.admitted.indexOf(ticket.ticketId) >= 0)) {
      return "already_used";
    }
    return "valid";
  }
  function scanOffline(secret, nonce) {
    secret = (secret || "").trim();
    input.value = "";
    input.focus();
    if (!secret) { return; }
    if (!state.data) { showResult("no_data", messages.no_data); return; }
    var ticket = decode(secret);
    if (!ticket) { showResult("unsigned", messages.unsigned); return; }
    if (state.data.keys.length && !Object.keys(keys).length) {
      // no WebCrypto (a page not served over HTTPS) or no Ed25519 in this browser
      showResult("unsupported", messages.unsupported);
      return;
    }
    verify(ticket).then(function (good) {
      if (!good) { showResult("unknown", messages.unknown); return; }
      var result = judge(ticket);
      if (result === "valid" || result === "present") {
        state.admitted.push(ticket.ticketId);
        state.queue.push({ secret: secret, nonce: nonce || newNonce(), at: new Date().toISOString() });
        save();
        showState();
      }
      showResult(result, messages[result]);
    });
  }

  // --- online: data refresh and sync -----------------------------------------------------
  function refresh() {
    if (!navigator.onLine) { return; }
    fetch(offlineUrl, { cache: "no-store", credentials: "omit" }).then(function (response) {
      if (!response.ok) { return null; }
      return response.json();
    }).then(function (data) {
      if (!data) { return; }
      state.data = data;
      // tickets the server knows as used are in data.used; keep only this device's unsent ones
      var unsent = state.queue.map(function (item) { var t = decode(item.secret); return t && t.ticketId; });
      state.admitted = state.admitted.filter(function (id) { return unsent.indexOf(id) >= 0; });
      save();
      return importKeys();
    }).catch(function () { /* offline again: keep the last copy */ });
  }
  function refreshCount() {
    if (window.htmx && document.getElementById("checkin-count")) {
      window.htmx.ajax("GET", countUrl, { target: "#checkin-count", swap: "outerHTML" });
    }
  }
  function sync() {
    if (syncing || !navigator.onLine || !state.queue.length) { return; }
    syncing = true;
    var item = state.queue[0];
    fetch(scanUrl, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ secret: item.secret, nonce: item.nonce })
    }).then(function (response) {
      syncing = false;
      if (response.status === 429 || response.status >= 500) { return; }  // try again later
      state.queue.shift();  // recorded (or refused for good): the nonce made it count once
      save();
      showState();
      if (state.queue.length) { sync(); } else { refreshCount(); refresh(); }
    }).catch(function () { syncing = false; });
  }

  // --- hooks into the page's htmx form ---------------------------------------------------
  form.addEventListener("htmx:configRequest", function (event) {
    pending = { secret: event.detail.parameters.secret, nonce: event.detail.parameters.nonce };
  });
  form.addEventListener("htmx:beforeRequest", function (event) {
    if (!navigator.onLine) {
      event.preventDefault();
      scanOffline((pending && pending.secret) || input.value, pending && pending.nonce);
    }
  });
  form.addEventListener("htmx:sendError", function () {
    if (pending) { scanOffline(pending.secret, pending.nonce); }
  });
  window.addEventListener("online", function () { showState(); sync(); refresh(); });
  window.addEventListener("offline", showState);
  window.setInterval(refresh, REFRESH_MS);
  window.setInterval(sync, SYNC_MS);
  importKeys();
  showState();
  refresh();
  sync();
})();
