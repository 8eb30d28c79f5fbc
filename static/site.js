// Small behaviours of every page, here rather than in inline handlers: the site's Content
// Security Policy runs no inline script.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-print]");
  if (button) { event.preventDefault(); window.print(); }
});
document.addEventListener("change", function (event) {
  const select = event.target;
  if (select.matches("select[data-submit]")) select.form.submit();
  if (select.matches("select[data-go]")) location.href = select.value;
});
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  // A slow action (a new school) says what is happening and is not sent twice.
  if (form.dataset.busy && !event.defaultPrevented) {
    const status = form.querySelector(".busy");
    status.querySelector("span").textContent = form.dataset.busy;
    status.hidden = false;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  }
  if (form.matches("[data-go-form]")) { event.preventDefault(); location.href = form.elements.child.value; }
});

// On a phone the diary's tabs scroll sideways: the open one is brought into sight.
const activeTab = document.querySelector("nav.tabs a.active");
if (activeTab && activeTab.parentElement.scrollWidth > activeTab.parentElement.clientWidth) {
  activeTab.parentElement.scrollLeft = activeTab.offsetLeft - activeTab.parentElement.offsetLeft - 16;
}

// A form with data-unsaved asks before the page is left with what was typed in it unsaved.
let unsaved = null;
document.addEventListener("input", function (event) {
  const form = event.target.form;
  if (form && form.dataset.unsaved) unsaved = form;
});
document.addEventListener("change", function (event) {
  const form = event.target.form;
  if (form && form.dataset.unsaved) unsaved = form;
});
document.addEventListener("submit", function (event) {
  if (event.target === unsaved) unsaved = null;
});
window.addEventListener("beforeunload", function (event) {
  if (unsaved) { event.preventDefault(); event.returnValue = unsaved.dataset.unsaved; }
});

// On a phone a table shows as cards (site.css): each cell is labelled with its column's name.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("main table:not(.grid)").forEach(function (table) {
    const head = Array.from(table.rows).find(function (row) { return row.querySelector("th"); });
    if (!head) return;
    const names = Array.from(head.cells, function (cell) { return cell.textContent.trim(); });
    Array.from(table.rows).forEach(function (row) {
      if (row === head) return;
      Array.from(row.cells).forEach(function (cell, n) {
        if (cell.tagName === "TD" && names[n] && !cell.dataset.label) cell.dataset.label = names[n];
      });
    });
  });
});

// The installable web app: its worker keeps the last opened week for reading offline.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js"); });
}
// Signing out leaves nothing of a child's diary on this device.
document.addEventListener("submit", function (event) {
  if (!event.target.action || !event.target.action.endsWith("/logout/")) return;
  if (window.caches) caches.delete("diary-v1");
  // ... and no more notices: the server ends the subscription with the session, the browser here.
  if (navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.ready.then(function (r) { return r.pushManager.getSubscription(); })
      .then(function (s) { if (s) s.unsubscribe(); });
  }
});

// "Notify me on this device": the browser's push subscription, handed to the server.
document.addEventListener("click", async function (event) {
  const button = event.target.closest("[data-push]");
  if (!button) return;
  const say = function (text) { document.getElementById("push-status").textContent = text; };
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) { say("Этот браузер не умеет получать уведомления."); return; }
  if ((await Notification.requestPermission()) !== "granted") { say("Уведомления не разрешены в браузере."); return; }
  const key = button.dataset.push.replace(/-/g, "+").replace(/_/g, "/");
  const raw = Uint8Array.from(atob(key + "=".repeat((4 - key.length % 4) % 4)), function (c) { return c.charCodeAt(0); });
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: raw});
  const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1];
  const response = await fetch("/api/v1/push-subscriptions/", {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
    body: JSON.stringify(subscription.toJSON()),
  });
  say(response.ok ? "Готово: уведомления будут приходить на это устройство." : "Не получилось, попробуйте позже.");
});
