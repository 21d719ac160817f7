// calldesk console: keyboard shortcuts and small behaviours. No inline scripts, no eval: the
// Content-Security-Policy allows only this file and htmx.
(function () {
  "use strict";
  var pendingG = false, gTimer = null;
  var goTo = { m: "/queues/mine", g: "/queues/groups", u: "/queues/unassigned", o: "/queues/open" };

  function typing(el) {
    if (!el) return false;
    var t = el.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || el.isContentEditable;
  }

  function help() {
    var d = document.getElementById("help");
    if (d && !d.open) d.showModal();
  }

  // Elements marked data-key="x" answer the key x: a field gets focus; a <details> opens and its
  // first field gets focus; a link or a button is followed or pressed.
  function activate(key) {
    var el = document.querySelector('[data-key="' + key + '"]');
    if (!el) return false;
    if (el.tagName === "DETAILS") {
      el.open = true;
      var f = el.querySelector("input:not([type=hidden]), select, textarea, button");
      if (f) f.focus();
      el.scrollIntoView({ block: "nearest" });
    } else if (typing(el)) {
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
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(document.activeElement) || document.querySelector("dialog[open]")) return;
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
    if (activate(k)) e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-help]")) help();
  });

  // A queue refreshing itself must not pull the list from under someone using it: skip a refresh
  // while focus is inside the list or a menu in it is open.
  document.addEventListener("htmx:beforeRequest", function (e) {
    var src = e.detail && e.detail.elt;
    if (src && src.hasAttribute("data-autorefresh") && src.contains(document.activeElement) &&
        document.activeElement !== document.body) {
      e.preventDefault();
    }
  });
})();
