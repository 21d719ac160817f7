// calldesk console: keyboard shortcuts and small behaviours. No inline scripts, no eval: the
// Content-Security-Policy allows only this file and htmx.
(function () {
  "use strict";
  var pendingG = false, gTimer = null;
  var goTo = { m: "/queues/mine", g: "/queues/groups", u: "/queues/unassigned", o: "/queues/open" };
  var store = window.localStorage;

  // Single-key shortcuts can be switched off (WCAG 2.2 SC 2.1.4), in the help dialog; the choice
  // is kept in this browser.
  function keysOn() {
    try { return store.getItem("calldesk.keys") !== "off"; } catch (e) { return true; }
  }
  function setKeys(on) {
    try { store.setItem("calldesk.keys", on ? "on" : "off"); } catch (e) { /* private mode */ }
  }

  function typing(el) {
    if (!el) return false;
    var t = el.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || el.isContentEditable;
  }

  function help() {
    var d = document.getElementById("help");
    if (!d || d.open) return;
    var box = document.getElementById("keys-on");
    if (box) box.checked = keysOn();
    d.showModal();
  }

  // Elements marked data-key="x" answer the key x: a field gets focus; a <details> opens and its
  // first field gets focus; a link is followed. A button is only focused, never pressed: a stray
  // key must not change a call (Enter then presses it).
  function activate(key) {
    var el = document.querySelector('[data-key="' + CSS.escape(key) + '"]');
    if (!el) return false;
    if (el.tagName === "DETAILS") {
      el.open = true;
      var f = el.querySelector("input:not([type=hidden]), select, textarea, button");
      if (f) f.focus();
      el.scrollIntoView({ block: "nearest" });
    } else if (typing(el) || el.tagName === "BUTTON") {
      el.focus();
      if (el.select) el.select();
    } else {
      el.click();
    }
    return true;
  }

  // j / k move through the rows of a list (links marked data-row).
  function move(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
    if (!rows.length) return;
    var i = rows.indexOf(document.activeElement);
    i = i < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, i + step));
    rows[i].focus();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (e.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(document.activeElement) || document.querySelector("dialog[open]") || !keysOn()) return;
    var k = e.key;
    if (pendingG) {
      pendingG = false; clearTimeout(gTimer);
      if (goTo[k]) { e.preventDefault(); location.href = goTo[k]; }
      return;
    }
    switch (k) {
      case "?": e.preventDefault(); help(); return;
      case "g": pendingG = true; gTimer = setTimeout(function () { pendingG = false; }, 1500); return;
      case "n": e.preventDefault(); location.href = "/calls/new"; return;
      case "j": e.preventDefault(); move(1); return;
      case "k": e.preventDefault(); move(-1); return;
    }
    if (k.length === 1 && activate(k)) e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-help]")) help();
  });
  document.addEventListener("change", function (e) {
    if (e.target.id === "keys-on") setKeys(e.target.checked);
    if (e.target.matches("select[data-analysts]")) followGroup(e.target, false);
  });

  // An analyst picker follows its group picker (select[data-analysts] names it): only the chosen
  // group's members are offered (each option's data-groups lists the analyst's groups). On
  // load the analyst already chosen stays, even outside the group, for the server's message
  // beside it; on a change of group, a chosen analyst who is not a member is unchosen. Without
  // JavaScript the server draws the narrowed list and a button ([data-nojs]) redraws it.
  function followGroup(sel, keep) {
    var list = document.getElementById(sel.getAttribute("data-analysts"));
    if (!list) return;
    var g = sel.value;
    Array.prototype.forEach.call(list.options, function (o) {
      if (!o.value) return;
      var member = !g || (" " + (o.getAttribute("data-groups") || "") + " ").indexOf(" " + g + " ") >= 0;
      if (keep && o.selected) member = true;
      o.hidden = !member;
      o.disabled = !member;
      if (!member && o.selected) list.value = "";
    });
  }
  document.querySelectorAll("select[data-analysts]").forEach(function (s) { followGroup(s, true); });
  document.querySelectorAll("[data-nojs]").forEach(function (el) { el.hidden = true; });

  // Print the page whole (issue 16): every closed disclosure in the page (a sweep's report, an
  // import's problems) opens for the printout and closes again after it.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("main details:not([open])").forEach(function (d) { d.open = true; openedForPrint.push(d); });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });

  // A queue refreshing itself must not pull the list from under someone using it, nor refresh a
  // page nobody is looking at: skip a refresh while focus is in the list or the queue counts,
  // while calls are ticked, or while the tab is hidden.
  document.addEventListener("htmx:beforeRequest", function (e) {
    var src = e.detail && e.detail.elt;
    if (!src || !src.hasAttribute("data-autorefresh")) return;
    var a = document.activeElement, counts = document.getElementById("queue-counts");
    // Calls ticked for a bulk action (queue_bulk.go) would be unticked by a refresh: wait.
    var ticked = document.querySelector('input[form="bulk"][name="ref"]:checked');
    if (document.hidden || ticked || (a && a !== document.body && (src.contains(a) || (counts && counts.contains(a))))) {
      e.preventDefault();
    }
  });

  // When part of a page cannot be fetched (the session ended, the server refused), say so on
  // the page and leave everything typed where it is. An ended session offers sign-in in a new
  // tab; after it, the page carries on.
  document.addEventListener("htmx:responseError", function (e) {
    var live = document.getElementById("live");
    if (!live) return;
    var xhr = e.detail.xhr;
    var text = new DOMParser().parseFromString(xhr.responseText || "", "text/html").body.textContent.trim();
    live.textContent = "";
    var p = document.createElement("p");
    p.className = "alert";
    p.textContent = (text || "The server did not answer (" + xhr.status + ").") + " ";
    if (xhr.status === 401) {
      p.textContent += "Nothing on this page is lost. ";
      var a = document.createElement("a");
      a.href = "/signin?next=" + encodeURIComponent(location.pathname + location.search);
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = "Sign in again in a new tab, then carry on here";
      p.appendChild(a);
    }
    live.appendChild(p);
  });
  // A canned reply (admin_replies.go) is picked without leaving the page when scripts run, so
  // nothing typed is lost: its text, filled in by the server, goes into the form's text box
  // (after what is there already). Without scripts the picker's GET form redraws the page.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.classList || !f.classList.contains("reply-pick") || !window.fetch) return;
    var box = document.getElementById(f.action.split("#")[1] || "");
    if (!box) return;
    e.preventDefault();
    var url = f.action.split("#")[0] + "?" + new URLSearchParams(new FormData(f)).toString();
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      var got = new DOMParser().parseFromString(html, "text/html").getElementById(box.id);
      if (!got) throw new Error("no text");
      if (!got.value) return; // the reply is not offered on this call (any more): nothing to add
      box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + got.value : got.value;
      box.focus();
      var live = document.getElementById("live");
      if (live) live.textContent = "The reply is in the text box: edit it before sending.";
    }).catch(function () { f.submit(); });
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var live = document.getElementById("live");
    if (live && e.detail.successful && live.firstChild) live.textContent = "";
  });
})();
