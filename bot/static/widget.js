/* insysteme web chat widget — one line on a Mission Locale's site:
     <script src="https://HOST/chat/widget.js" data-ml="ml-id" data-color="#0b4f6c" async></script>
   A bubble (bottom right) opens the chat in a frame of HOST/chat?ml=…&embed=1: the chat keeps its
   own scope (styles, scripts, storage), the host page keeps its own. The bubble lives in a shadow
   root, so no style goes in or out; this script defines no global. The conversation is the
   frame's (same session on every page of the site); open/closed is remembered for the visit. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[src*="/chat/widget.js"][data-ml]') ||
    document.querySelector('script[src*="/chat/widget.js"]');
  if (!script || document.getElementById("insysteme-chat")) return;
  var src = new URL(script.src, location.href);
  var origin = src.origin, prefix = src.pathname.replace(/\/chat\/widget\.js$/, "");
  var ml = (script.getAttribute("data-ml") || "").replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
  var color = script.getAttribute("data-color") || "";
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) color = "#0b4f6c";
  var label = script.getAttribute("data-label") || "Discuter avec la Mission Locale";
  var KEY = "insysteme.chat.open";

  function ink(hex) {   // black or white text, whichever reads better on the bubble's colour
    var c = [1, 3, 5].map(function (i) { var s = parseInt(hex.substr(i, 2), 16) / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4); });
    var l = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    return (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.05) ? "#ffffff" : "#111111";
  }

  function mount() {
    var host = document.createElement("div");
    host.id = "insysteme-chat";
    host.setAttribute("style", "all:initial;position:fixed;z-index:2147483000;right:0;bottom:0;width:0;height:0;");
    var root = host.attachShadow({ mode: "open" });
    var css = document.createElement("style");
    css.textContent =
      ":host{all:initial}" +
      "*{box-sizing:border-box}" +
      ".bubble{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;" +
      "background:" + color + ";color:" + ink(color) + ";cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3);" +
      "display:flex;align-items:center;justify-content:center;padding:0;margin:0}" +
      ".bubble:focus-visible{outline:3px solid #f5b700;outline-offset:3px}" +
      ".bubble svg{width:30px;height:30px;fill:currentColor}" +
      ".dot{position:absolute;top:2px;right:2px;width:14px;height:14px;border-radius:50%;background:#d0021b;border:2px solid #fff;display:none}" +
      ".bubble.unread .dot{display:block}" +
      ".panel{position:fixed;right:20px;bottom:92px;width:380px;height:min(640px,calc(100vh - 112px));" +
      "border-radius:14px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.35);background:#fff;display:none}" +
      ".panel.open{display:block}" +
      ".panel iframe{border:0;width:100%;height:100%;display:block}" +
      "@media (max-width:600px){.panel{right:0;bottom:0;left:0;top:0;width:100vw;height:100vh;height:100dvh;border-radius:0}" +
      ".panel.open~.bubble{display:none}}";
    var panel = document.createElement("div");
    panel.className = "panel"; panel.setAttribute("role", "dialog"); panel.setAttribute("aria-label", label);
    panel.id = "panel";
    var bubble = document.createElement("button");
    bubble.type = "button"; bubble.className = "bubble";
    bubble.setAttribute("aria-label", label); bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-controls", "panel");
    bubble.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg><span class="dot"></span>';
    root.appendChild(css); root.appendChild(panel); root.appendChild(bubble);
    document.body.appendChild(host);

    // the conversation's session is kept here, on the host site's side: a third-party frame's
    // own storage may be refused by the browser, and the same session must follow every page
    var session = null;
    try {
      session = localStorage.getItem("insysteme.chat.session");
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(session || "")) {
        var a = new Uint8Array(16); crypto.getRandomValues(a);
        session = Array.from(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
        localStorage.setItem("insysteme.chat.session", session);
      }
    } catch (e) { session = null; /* no storage at all: the frame keeps its own, if it can */ }
    var frame = null;
    function remember(open) { try { sessionStorage.setItem(KEY, open ? "1" : "0"); } catch (e) { /* private mode */ } }
    function open(focus) {
      if (!frame) {
        frame = document.createElement("iframe");
        frame.title = label;
        frame.setAttribute("allow", "clipboard-write");
        frame.src = origin + prefix + "/chat?embed=1" + (ml ? "&ml=" + encodeURIComponent(ml) : "") +
          (session ? "#s=" + session : "");
        panel.appendChild(frame);
        frame.addEventListener("load", function () { if (focus) tell("opened"); });
      }
      panel.classList.add("open"); bubble.classList.remove("unread");
      bubble.setAttribute("aria-expanded", "true"); bubble.setAttribute("aria-label", "Fermer : " + label);
      remember(true);
      if (focus) { frame.focus(); tell("opened"); }
    }
    function close() {
      panel.classList.remove("open");
      bubble.setAttribute("aria-expanded", "false"); bubble.setAttribute("aria-label", label);
      remember(false); bubble.focus();
    }
    function tell(what) { if (frame && frame.contentWindow) frame.contentWindow.postMessage({ insysteme: what }, origin); }
    bubble.addEventListener("click", function () { panel.classList.contains("open") ? close() : open(true); });
    window.addEventListener("message", function (e) {
      if (!frame || e.source !== frame.contentWindow || e.origin !== origin || !e.data) return;
      if (e.data.insysteme === "close") close();
      if (e.data.insysteme === "message" && !panel.classList.contains("open")) bubble.classList.add("unread");
    });
    var was = null;
    try { was = sessionStorage.getItem(KEY); } catch (e) { /* private mode */ }
    if (was === "1") open(false);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
