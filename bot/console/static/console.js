/* The console's only script: live updates over SSE (alerts, new messages, inbox changes) and the
   canned answers. Everything else works without it (plain forms). No dependencies. */
(function () {
  "use strict";
  var body = document.body;
  var canned = document.getElementById("canned"), replyText = document.getElementById("reply-text");
  if (canned && replyText) {
    canned.addEventListener("change", function () {
      var opt = canned.options[canned.selectedIndex];
      if (opt && opt.dataset.text) { replyText.value = opt.dataset.text; replyText.focus(); }
    });
  }
  var url = body.dataset.live;
  if (!url || !window.EventSource) return;

  var alerts = document.getElementById("alerts");
  var transcript = document.getElementById("transcript");
  var rows = document.getElementById("inbox-rows");

  function showAlert(a) {
    var div = document.createElement("div");
    div.className = "alert " + (a.kind === "crisis" ? "crisis" : "handoff");
    div.dataset.jeune = a.jeune_id || "";
    var text = document.createElement("span");
    text.textContent = (a.step ? "Relance " + a.step + " — " : "") +
      (a.kind === "crisis" ? "Détresse : " : "Demande de conseiller : ") + (a.first_name || "un·e jeune");
    var link = document.createElement("a");
    link.href = a.url; link.textContent = "Ouvrir";
    var close = document.createElement("button");
    close.type = "button"; close.textContent = "×"; close.setAttribute("aria-label", "Fermer");
    close.onclick = function () { div.remove(); };
    div.appendChild(text); div.appendChild(link); div.appendChild(close);
    alerts.appendChild(div);
  }
  function addLine(m) {
    if (!transcript || transcript.querySelector('[data-id="' + m.id + '"]')) return;
    var empty = document.getElementById("transcript-empty");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.className = "line " + m.who; li.dataset.id = m.id;
    var meta = document.createElement("div"); meta.className = "meta";
    meta.textContent = m.author + " · " + m.channel + " · " + m.at;
    var text = document.createElement("div"); text.className = "text"; text.textContent = m.text;
    li.appendChild(meta); li.appendChild(text); transcript.appendChild(li);
    transcript.scrollTop = transcript.scrollHeight;
  }
  function refreshRows() {
    if (!rows) return;
    fetch(rows.dataset.src, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok || r.redirected) throw new Error(); return r.text(); })
      .then(function (html) { rows.innerHTML = html; })
      .catch(function () {});
  }
  if (transcript) transcript.scrollTop = transcript.scrollHeight;

  var baseTitle = document.title;
  var beeps = 0;
  function ring(crisis) {
    // the console's own sound: two short tones (three for a crisis), no file to load
    beeps += 1; body.dataset.sound = String(beeps);
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      var ctx = ring.ctx || (ring.ctx = new Ctx());
      var n = crisis ? 3 : 2;
      for (var i = 0; i < n; i++) {
        var o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = crisis ? 880 : 660; o.connect(g); g.connect(ctx.destination);
        g.gain.value = 0.15; o.start(ctx.currentTime + i * 0.25); o.stop(ctx.currentTime + i * 0.25 + 0.15);
      }
    } catch (e) { /* no sound: the banner and the title still say it */ }
  }
  function setBadge(c) {
    var n = (c.crisis || 0) + (c.waiting || 0);
    document.title = (n ? "(" + n + (c.crisis ? " !" : "") + ") " : "") + baseTitle;
    body.dataset.badge = String(n);
  }
  function showNotice(n) {
    var box = document.getElementById("notices");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "notice"; div.dataset.jeune = n.jeune_id || "";
    var text = document.createElement("span"); text.textContent = n.text || "";
    div.appendChild(text);
    if (n.url) { var a = document.createElement("a"); a.href = n.url; a.textContent = "Voir"; div.appendChild(a); }
    box.appendChild(div);
  }
  var statusEl = document.getElementById("conv-status");
  function setStatus(st) {
    if (!statusEl) return;
    statusEl.textContent = st.label;
    statusEl.className = "status s-" + st.status;
    var take = document.getElementById("take");
    if (take) take.closest("form").hidden = !!st.mine;
  }
  function setViewers(v) {
    var box = document.getElementById("viewers"), names = document.getElementById("viewer-names");
    if (!box || !names) return;
    names.textContent = (v.names || []).join(", ");
    box.hidden = !(v.names && v.names.length);
  }

  var source = new EventSource(url);
  source.addEventListener("badge", function (e) { setBadge(JSON.parse(e.data)); });
  source.addEventListener("status", function (e) { setStatus(JSON.parse(e.data)); });
  source.addEventListener("viewers", function (e) { setViewers(JSON.parse(e.data)); });
  source.addEventListener("notice", function (e) { showNotice(JSON.parse(e.data)); ring(false); });
  source.addEventListener("alert", function (e) {
    var a = JSON.parse(e.data); showAlert(a); ring(a.kind === "crisis"); refreshRows();
  });
  source.addEventListener("message", function (e) { addLine(JSON.parse(e.data)); });
  source.addEventListener("inbox", refreshRows);
  source.addEventListener("logout", function () { source.close(); location.href = "/console/login"; });
  body.dataset.liveReady = "1";
  source.addEventListener("open", function () { body.dataset.liveOpen = "1"; });
})();
