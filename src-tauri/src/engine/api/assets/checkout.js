// The hosted checkout page: live status over Server-Sent Events, polling when they fail.
(function () {
  "use strict";
  var root = document.getElementById("checkout");
  var state = JSON.parse(document.getElementById("initial").textContent);
  var serverNow = Date.parse(JSON.parse(document.getElementById("server-now").textContent));
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
  var base = state.id + "/";
  var PAID = { paid: 1, overpaid: 1, paid_late: 1 };
  var FINAL = { paid: 1, overpaid: 1, paid_late: 1, expired: 1, canceled: 1 };
  var pollTimer = null;

  function text(id, value) { document.getElementById(id).textContent = value; }
  function show(id, visible) { document.getElementById(id).hidden = !visible; }

  function headline(s) {
    var sym = s.asset.symbol;
    switch (s.status) {
      case "pending": return ["Waiting for payment", "Scan the code with your wallet, or copy the address."];
      case "detected": return ["Payment seen, confirming…", "You can keep this page open; it updates by itself."];
      case "underpaid": return ["Partly paid", "Received " + s.amountReceived + " " + sym + ". Please send the remaining " + s.amountDue + " " + sym + "."];
      case "paid": return ["Payment complete", "Thank you! The shop has been notified."];
      case "overpaid": return ["Payment complete", "Thank you! You sent more than needed; the shop will sort out the difference."];
      case "paid_late": return ["Payment complete", "Received after the time limit, and accepted. Thank you!"];
      case "expired": return ["This checkout has expired", "Do not send any funds. Ask the shop for a new checkout."];
      case "canceled": return ["This checkout was canceled", "Do not send any funds. Ask the shop for a new checkout."];
      default: return [s.status, ""];
    }
  }

  function render(s) {
    state = s;
    root.setAttribute("data-status", s.status);
    root.classList.toggle("done", !!FINAL[s.status]);
    var h = headline(s);
    text("status", h[0]);
    text("status-detail", h[1]);
    var confirming = s.status === "detected" || (s.status === "underpaid" && s.confirmations < s.requiredConfirmations);
    show("confirmations", confirming);
    if (confirming) text("confirmations", s.confirmations + " of " + s.requiredConfirmations + " confirmations");
    text("amount", s.status === "underpaid" ? s.amountDue : s.amount);
    var link = document.getElementById("success-link");
    if (PAID[s.status] && s.successUrl) { link.href = s.successUrl; link.hidden = false; } else { link.hidden = true; }
    tick();
  }

  function tick() {
    var el = document.getElementById("countdown");
    if (FINAL[state.status]) { el.textContent = ""; return; }
    var left = Math.floor((Date.parse(state.expiresAt) - (Date.now() + skew)) / 1000);
    if (left <= 0) { el.textContent = "Time is up: a payment already on its way still counts."; return; }
    var m = Math.floor(left / 60), sec = left % 60;
    el.textContent = "Expires in " + m + ":" + (sec < 10 ? "0" : "") + sec;
  }

  function poll() {
    fetch(base + "state", { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) render(s); })
      .catch(function () {});
  }

  function startPolling() { if (!pollTimer) pollTimer = setInterval(poll, 3000); }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

  if (typeof EventSource === "function") {
    var es = new EventSource(base + "events");
    es.addEventListener("session", function (e) { stopPolling(); render(JSON.parse(e.data)); });
    es.onerror = function () { startPolling(); };
  } else {
    startPolling();
  }

  document.getElementById("copy").addEventListener("click", function () {
    var btn = this, addr = state.address;
    function done() { btn.textContent = "Copied"; setTimeout(function () { btn.textContent = "Copy address"; }, 2000); }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(addr).then(done, fallback);
    } else {
      fallback();
    }
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(document.getElementById("address"));
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      try { document.execCommand("copy"); done(); } catch (_) { btn.textContent = "Select and copy the address"; }
    }
  });

  render(state);
  setInterval(tick, 1000);
})();
