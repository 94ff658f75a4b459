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
    text.textContent = (a.kind === "crisis" ? "Détresse : " : "Demande de conseiller : ") +
      (a.first_name || "un·e jeune");
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

  var source = new EventSource(url);
  source.addEventListener("alert", function (e) { showAlert(JSON.parse(e.data)); refreshRows(); });
  source.addEventListener("message", function (e) { addLine(JSON.parse(e.data)); });
  source.addEventListener("inbox", refreshRows);
  source.addEventListener("logout", function () { source.close(); location.href = "/console/login"; });
  body.dataset.liveReady = "1";
  source.addEventListener("open", function () { body.dataset.liveOpen = "1"; });
})();
