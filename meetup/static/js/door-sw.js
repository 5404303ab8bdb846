// The door's service worker (served as /door/sw.js, scope /door/): the door screen, the
// walk-in form and their scripts and styles open without the network, from what the page
// put in the cache while online (door.js, cacheForOffline). Everything else (scans, the
// list, counts) goes to the network as usual: door.js keeps its own queue when it fails.
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const page = request.mode === "navigate" && url.pathname.startsWith("/door/");
  if (!page && !url.pathname.startsWith("/static/")) return;
  event.respondWith(
    fetch(request).catch(async () => {
      const cached = await caches.match(request, { ignoreVary: true });
      if (cached) return cached;
      throw new Error("offline and not cached");
    }),
  );
});
