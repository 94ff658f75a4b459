/* The web chat page (/chat, and /chat?embed=1 inside the widget's frame).
   - every message the jeune sends goes through an outbox kept in localStorage: typed while
     offline, it stays on screen ("en attente") and leaves on reconnect, in order, each once
     (its client id lets the server and this page drop a repeat);
   - the page keeps the last sequence number it showed and long-polls for what came after. */
(function () {
  "use strict";
  var log = document.getElementById("log"), form = document.getElementById("form"),
      input = document.getElementById("text"), statusEl = document.getElementById("status"),
      alertEl = document.getElementById("alert");
  var embed = document.body.getAttribute("data-embed") === "1";
  var base = location.pathname.replace(/\/chat\/?$/, "/");
  var api = base + "chat/api/messages";
  var params = new URLSearchParams(location.search);
  var store = safeStorage();

  function safeStorage() {
    try { localStorage.setItem("insysteme.t", "1"); localStorage.removeItem("insysteme.t"); return localStorage; }
    catch (e) { var mem = {}; return { getItem: function (k) { return k in mem ? mem[k] : null; },
      setItem: function (k, v) { mem[k] = String(v); }, removeItem: function (k) { delete mem[k]; } }; }
  }
  function rid(n) { var a = new Uint8Array(n); crypto.getRandomValues(a);
    return Array.from(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join(""); }

  // in the widget's frame, storage of a third-party frame may be refused (Safari, Brave, Chrome
  // blocking third-party cookies): the widget keeps the session on the host site's side and hands
  // it over in the fragment (never sent to a server)
  var given = embed && /^#s=([A-Za-z0-9_-]{16,64})$/.exec(location.hash);
  var session = given ? given[1] : store.getItem("insysteme.session");
  if (!session || !/^[A-Za-z0-9_-]{16,64}$/.test(session)) session = rid(16);
  store.setItem("insysteme.session", session);
  var source = params.get("source") || params.get("start");
  var after = 0, shown = {}, seenIds = {}, live = false;
  var OUTBOX = "insysteme.outbox." + session;
  var queue = [];
  try { queue = JSON.parse(store.getItem(OUTBOX) || "[]"); if (!Array.isArray(queue)) queue = []; } catch (e) { queue = []; }
  function saveQueue() { store.setItem(OUTBOX, JSON.stringify(queue.filter(function (b) { return !b.start; }))); }

  // ---- phone numbers: tel: links (sms: for the 114, which takes SMS only) -------------------
  var SHORT = { "3114": "tel", "3919": "tel", "112": "tel", "114": "sms", "115": "tel", "119": "tel",
                "15": "tel", "17": "tel", "18": "tel" };
  var NUMBER = /(0(?:[ .\u00a0]?\d){9})|(3114|3919|112|114|115|119|15|17|18)/g;
  function numbers(text, crisis) {
    // [{start, end, shown, href, label}]
    var out = [], m;
    NUMBER.lastIndex = 0;
    while ((m = NUMBER.exec(text))) {
      var s = m.index, e = s + m[0].length, prev = text.slice(Math.max(0, s - 5), s), next = text.slice(e, e + 5);
      if (/[\w\d]$/.test(text.slice(0, s)) || /^[\w\d]/.test(next)) continue;
      if (m[1]) {
        var digits = m[1].replace(/\D/g, "");
        out.push({ start: s, end: e, href: "tel:+33" + digits.slice(1), label: "Appeler le " + m[1], short: m[1] });
      } else {
        if (!crisis) continue;                       // short numbers only in crisis replies
        if (/^\s?(ans|an\b|€|%|h\b|min|jours?)/.test(next)) continue;
        if (m[2].length === 2 && !/(le|au|ou|:|,)\s$/.test(prev)) continue;   // "moins de 18 ans"
        var kind = SHORT[m[2]];
        out.push({ start: s, end: e, href: kind + ":" + m[2], short: m[2],
                   label: kind === "sms" ? "Envoyer un SMS au " + m[2] : "Appeler le " + m[2] });
      }
    }
    return out;
  }
  function linkified(text, crisis) {
    var frag = document.createDocumentFragment(), found = numbers(text, crisis), at = 0;
    found.forEach(function (n) {
      frag.appendChild(document.createTextNode(text.slice(at, n.start)));
      var a = document.createElement("a"); a.href = n.href; a.textContent = text.slice(n.start, n.end);
      a.setAttribute("aria-label", n.label); frag.appendChild(a); at = n.end;
    });
    frag.appendChild(document.createTextNode(text.slice(at)));
    return { node: frag, found: found };
  }

  // ---- rendering ------------------------------------------------------------------------
  var typing = null;
  function place(node) {   // server messages go before the jeune's pending ones and the typing dots
    var anchor = log.querySelector(".pending") || typing;
    log.insertBefore(node, anchor && anchor.parentNode === log ? anchor : null);
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function collapseButtons(label) {
    log.querySelectorAll(".buttons:not(.done)").forEach(function (row) {
      row.classList.add("done");
      var chosen = null;
      row.querySelectorAll("button").forEach(function (b) { b.disabled = true; if (label && b.textContent === label) chosen = b; });
      if (chosen) {
        var chip = document.createElement("span"); chip.className = "chosen";
        var sr = document.createElement("span"); sr.className = "sr-only"; sr.textContent = "Ton choix : ";
        chip.appendChild(sr); chip.appendChild(document.createTextNode("✓ " + label)); row.appendChild(chip);
      }
      if (!chosen) row.setAttribute("hidden", "");
    });
  }

  function renderJeune(m) {
    if (m.id && seenIds[m.id]) return;       // the same message again (a retry): shown once
    if (m.id) seenIds[m.id] = true;
    collapseButtons(m.text);
    var pending = m.id && log.querySelector('.pending[data-cid="' + m.id + '"]');
    if (pending) { pending.classList.remove("pending"); var st = pending.querySelector(".state"); if (st) st.remove(); return; }
    var div = document.createElement("div"); div.className = "msg jeune"; div.textContent = m.text || "";
    if (m.id) div.setAttribute("data-cid", m.id);
    place(div);
  }

  function renderBot(m) {
    var author = m.author || "bot", crisis = m.priority === "crisis", referent = author.indexOf("referent:") === 0;
    var div = document.createElement("div");
    div.className = "msg bot" + (referent ? " referent" : "") + (crisis ? " crisis" : "");
    if (referent) {
      var who = document.createElement("div"); who.className = "who";
      who.textContent = author.slice(9) + ", Mission Locale"; div.appendChild(who);
    }
    if (crisis) {
      var flag = document.createElement("strong"); flag.className = "flag"; flag.textContent = "Important : de l'aide tout de suite";
      div.appendChild(flag);
    }
    var body = linkified(m.text || "", crisis);
    div.appendChild(body.node);
    if (crisis && body.found.length) {
      var calls = document.createElement("div"); calls.className = "calls"; var seen = {};
      body.found.forEach(function (n) {
        if (seen[n.href]) return; seen[n.href] = true;
        var a = document.createElement("a"); a.href = n.href;
        a.textContent = (n.href.indexOf("sms:") === 0 ? "SMS au " : "Appeler le ") + n.short;
        calls.appendChild(a);
      });
      div.appendChild(calls);
    }
    place(div);
    if (crisis && live) {
      // the crisis replies of one answer are read together, the numbers first (a follow-up such as
      // "es-tu en sécurité ?" must not replace them before a screen reader has read them)
      var now = Date.now();
      var text = (m.text || "");
      if (alertEl.dataset.at && now - Number(alertEl.dataset.at) < 3000) {
        alertEl.textContent = alertEl.textContent + " " + text;
      } else {
        alertEl.textContent = "";
        alertEl.textContent = "Message important. " + text;
      }
      alertEl.dataset.at = String(now);
    }
    if (m.attachment) {
      var f = document.createElement("div"); f.className = "msg bot file";
      if (m.attachment.url) {
        var a = document.createElement("a"); a.href = base + m.attachment.url.replace(/^\//, "") + "?session=" + encodeURIComponent(session);
        a.setAttribute("download", m.attachment.filename);
        a.textContent = (/\.ics$/i.test(m.attachment.filename) ? "Ajouter à ton agenda : " : "Télécharger : ") + m.attachment.filename;
        f.appendChild(a);
      } else { f.textContent = "Pièce jointe : " + m.attachment.filename; }
      place(f);
    }
    if (m.buttons && m.buttons.length) {
      collapseButtons(null);                 // a new question: the older one is over
      var box = document.createElement("div"); box.className = "buttons"; box.setAttribute("role", "group");
      box.setAttribute("aria-label", "Réponses possibles");
      m.buttons.forEach(function (b) {
        var btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.label;
        btn.onclick = function () { send({ button: b.value, label: b.label }); };
        box.appendChild(btn);
      });
      place(box);
    }
    if (live && embed && parent !== window) parent.postMessage({ insysteme: "message" }, "*");
  }

  function render(m) {
    if (shown[m.seq]) return; shown[m.seq] = true; after = Math.max(after, m.seq);
    if (m.from === "jeune") renderJeune(m); else renderBot(m);
  }
  function apply(data) { (data.messages || []).forEach(render); scrollDown(); }

  function showPending(body) {
    var div = document.createElement("div"); div.className = "msg jeune pending";
    div.setAttribute("data-cid", body.id);
    div.appendChild(document.createTextNode(body.text || body.label || ""));
    var st = document.createElement("span"); st.className = "state"; st.textContent = "en attente d'envoi";
    div.appendChild(st);
    log.insertBefore(div, typing && typing.parentNode === log ? typing : null);
    scrollDown();
  }
  function setTyping(on) {
    if (on && !typing) {
      typing = document.createElement("div"); typing.className = "typing";
      typing.innerHTML = '<span></span><span></span><span></span><em class="sr-only">La Mission Locale écrit…</em>';
      log.appendChild(typing); scrollDown();
    } else if (!on && typing) { typing.remove(); typing = null; }
  }

  // ---- the outbox -----------------------------------------------------------------------
  var flushing = false, attempt = 0, retryTimer = null;
  function send(extra) {
    var cid = rid(8);
    var body = Object.assign({ session: session, id: cid, client_id: cid, source: source }, extra);
    if (!body.start) { seenIds[cid] = false; collapseButtons(body.label || null); showPending(body); }
    queue.push(body); saveQueue(); flush();
  }
  function flush() {
    if (flushing || !queue.length) return;
    flushing = true; clearTimeout(retryTimer);
    var body = queue[0]; body.after = after;
    setTyping(true);
    fetch(api, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) {
        if (r.status >= 500 || r.status === 429) throw new Error("busy");
        return r.json().then(function (d) { return { ok: r.ok, data: d }; });
      })
      .then(function (res) {
        if (res.ok && res.data.saved === false) {
          // a crisis answered while the server's stores are down: shown now, and the message
          // stays queued until it is kept, so a person is alerted and it counts (issue 17)
          apply(res.data); flushing = false; setTyping(false);
          statusEl.textContent = "Connexion difficile… ton message est gardé, je réessaie.";
          retryTimer = setTimeout(flush, Math.min(15000, 1000 * Math.pow(2, attempt++)));
          return;
        }
        queue.shift(); saveQueue(); attempt = 0; flushing = false;
        if (res.ok) { statusEl.textContent = ""; apply(res.data); }
        else {
          var p = log.querySelector('.pending[data-cid="' + body.id + '"]');
          if (p) { p.classList.remove("pending"); p.querySelector(".state").textContent = "pas envoyé : " + (res.data.error || "refusé"); }
        }
        setTyping(queue.length > 0); flush();
      })
      .catch(function () {
        flushing = false; setTyping(false);
        statusEl.textContent = navigator.onLine === false
          ? "Pas de connexion. Tes messages partiront dès que tu seras reconnecté·e."
          : "Connexion perdue… je réessaie.";
        retryTimer = setTimeout(flush, Math.min(15000, 1000 * Math.pow(2, attempt++)));
      });
  }
  window.addEventListener("online", function () { attempt = 0; flush(); restartPoll(); });
  window.addEventListener("offline", function () {
    statusEl.textContent = "Pas de connexion. Tes messages partiront dès que tu seras reconnecté·e.";
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim(); if (!text) return;
    input.value = ""; send({ text: text });
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });

  // ---- in the widget's frame --------------------------------------------------------------
  if (embed) {
    var close = document.getElementById("close");
    if (close) { close.hidden = false; close.onclick = function () { parent.postMessage({ insysteme: "close" }, "*"); }; }
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") parent.postMessage({ insysteme: "close" }, "*"); });
    window.addEventListener("message", function (e) {
      if (e.source === parent && e.data && e.data.insysteme === "opened") input.focus();
    });
  }

  // ---- long polling ---------------------------------------------------------------------
  var pollGen = 0;
  function poll(delay, gen) {
    if (gen !== pollGen) return;
    fetch(api + "?wait=1&session=" + session + "&after=" + after)
      .then(function (r) { if (!r.ok) throw new Error(); return r.json(); })
      .then(function (d) { if (!queue.length) statusEl.textContent = ""; apply(d); poll(0, gen); })
      .catch(function () { setTimeout(function () { poll(Math.min(15000, (delay || 500) * 2), gen); }, delay || 500); });
  }
  function restartPoll() { pollGen++; poll(0, pollGen); }

  // history first (a reload shows the conversation again), then the messages still to send
  fetch(api + "?session=" + session + "&after=0")
    .then(function (r) { if (!r.ok) throw new Error(); return r.json(); })
    .then(function (d) { apply(d); })
    .catch(function () {})
    .then(function () {
      live = true;
      var waiting = queue; queue = [];
      waiting.forEach(function (b) { if (!b.start && !seenIds[b.id]) { queue.push(b); showPending(b); } });
      saveQueue();
      if ((!after && !queue.length) || source) send({ start: true }); else flush();
      restartPoll();
    });
})();
