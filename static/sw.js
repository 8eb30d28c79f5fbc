// The web app's service worker, served at /sw.js so that its scope is the whole address.
// It keeps the diary's week pages (and the site's own CSS and script) as last fetched: without a
// connection the last opened week is shown, marked with the time it was saved. Signing out
// empties the store (site.js). Push notifications arrive here too (notifications.push).
const STORE = "diary-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function isWeek(url) {
  return /^\/children\/[^/]+\/\d+\/$/.test(url.pathname) || url.pathname === "/diary/";
}

function saved(request) {
  return caches.open(STORE).then((store) => store.match(request));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) { const copy = response.clone(); caches.open(STORE).then((s) => s.put(request, copy)); }
          return response;
        })
        .catch(() => saved(request))
    );
    return;
  }
  if (request.mode !== "navigate" || !isWeek(url)) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          response.clone().text().then((text) => caches.open(STORE).then((s) => s.put(request, new Response(text, {
            headers: {"Content-Type": "text/html; charset=utf-8", "X-Saved-At": new Date().toISOString()},
          }))));
        }
        return response;
      })
      .catch(() => saved(request).then((page) => {
        if (!page) {
          return new Response("<!doctype html><meta charset=utf-8><h1>Нет связи</h1><p>Эта неделя ещё не открывалась на этом устройстве.</p>",
            {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
        }
        const at = new Date(page.headers.get("X-Saved-At")).toLocaleString("ru-RU");
        return page.text().then((text) => new Response(
          text.replace("<main>", '<main><p class="banner warn" role="status">Нет связи: страница сохранена ' + at +
            ' и может быть устаревшей. Новые отметки появятся, когда связь вернётся.</p>'),
          {headers: {"Content-Type": "text/html; charset=utf-8"}}));
      }))
  );
});

self.addEventListener("push", (event) => {
  const notice = event.data ? event.data.json() : {title: "Электронный дневник", body: ""};
  event.waitUntil(self.registration.showNotification(notice.title, {
    body: notice.body, tag: notice.tag, icon: "/static/icons/icon-192.png", data: {url: notice.url || "/"},
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
