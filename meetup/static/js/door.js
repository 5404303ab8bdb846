// Door screen: answers in place, the code field always ready for the next badge, results
// while typing a name, live counters. Without it, the same forms work with page reloads.
"use strict";

// The walk-in page sends this door's name along.
for (const field of document.querySelectorAll(".door-name-field")) {
  field.value = field.value || localStorage.getItem("door-name") || "";
}

// -- the offline door: the evening's list kept on this phone (SHA-256 of ticket codes, never
// the codes), and a queue of what was done without the network, sent with its request ids.
const store = {
  load(key, fallback) {
    try {
      const value = JSON.parse(localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  },
  save(key, value) {
    localStorage.setItem(key, JSON.stringify(value));
  },
};
const listKey = (url) => `door-list:${url}`;
const queueKey = (url) => `door-queue:${url}`;
// A list whose door window is over goes, with its queue (whatever evening it was for).
for (const key of Object.keys(localStorage)) {
  if (!key.startsWith("door-list:")) continue;
  const list = store.load(key, null);
  if (!list || !(Date.parse(list.until) > Date.now())) {
    localStorage.removeItem(key);
    localStorage.removeItem(key.replace("door-list:", "door-queue:"));
  }
}
const newRequestId = () =>
  window.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;

// The walk-in form: without the network, the person waits in the queue and the door screen
// (from the service worker's cache) says so.
const walkInForm = document.querySelector("form.walk-in-form");
if (walkInForm) {
  walkInForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new FormData(walkInForm);
    try {
      const response = await fetch(walkInForm.action, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      sessionStorage.setItem("door-answer", JSON.stringify(data.answer));
      window.location.assign(walkInForm.dataset.screenUrl);
    } catch (error) {
      if (error instanceof TypeError) {
        const fields = {};
        for (const name of ["first_name", "last_name", "email", "company", "door"]) {
          fields[name] = body.get(name) || "";
        }
        const key = queueKey(walkInForm.dataset.offlineUrl);
        const queue = store.load(key, []);
        queue.push({ rid: newRequestId(), kind: "walkin", fields, name: fields.first_name });
        store.save(key, queue);
        const answer = {
          tone: "ok",
          title: walkInForm.dataset.offlineWalkIn.replace("{name}", () => fields.first_name),
          detail: walkInForm.dataset.offlineWalkInDetail,
          code: "",
        };
        sessionStorage.setItem("door-answer", JSON.stringify(answer));
        window.location.assign(walkInForm.dataset.screenUrl);
      } else {
        walkInForm.submit(); // the server's page says what to correct
      }
    }
  });
}

const screen = document.querySelector(".door-screen");
if (screen) {
  const scanForm = document.getElementById("scan-form");
  const code = document.getElementById("code");
  const door = document.getElementById("door");
  const requestId = document.getElementById("request-id");
  const answer = document.getElementById("answer");
  const undoForm = document.getElementById("undo-form");
  const undoCode = document.getElementById("undo-code");
  const admitForm = document.getElementById("admit-form");
  const admitCode = document.getElementById("admit-code");
  const actions = document.getElementById("answer-actions");
  const printForm = document.querySelector(".badge-print-form");
  const layout = document.getElementById("layout");
  const printOnly = document.getElementById("print-only");
  for (const element of document.querySelectorAll(".no-js-only")) element.hidden = true;

  // This door's printer and mode stay on this device.
  layout.value = localStorage.getItem("door-layout") || layout.value;
  printOnly.checked = localStorage.getItem("door-print-only") === "1";
  const syncLayout = () => {
    for (const field of document.querySelectorAll(".door-layout-field")) field.value = layout.value;
  };
  syncLayout();
  layout.addEventListener("change", () => {
    localStorage.setItem("door-layout", layout.value);
    syncLayout();
  });
  printOnly.addEventListener("change", () => {
    localStorage.setItem("door-print-only", printOnly.checked ? "1" : "");
    ready();
  });

  // Badges open in a new tab, where the browser's PDF viewer prints them (or shares them
  // to the printer's app on a phone, where PDFs do not show inside a page).
  function printBadge(value) {
    printForm.querySelector("input[name=code]").value = value;
    printForm.submit();
  }
  const search = document.getElementById("q");
  const people = document.getElementById("people");
  const token = scanForm.querySelector("input[name=csrf_token]").value;

  // The door's name stays on this device.
  door.value = door.value || localStorage.getItem("door-name") || "";
  door.addEventListener("change", () => localStorage.setItem("door-name", door.value.trim()));


  const announce = document.getElementById("announce");
  function show(result) {
    // Screen readers hear it from a region that is always there; the box is for the eyes.
    // The server's sentence (views.Shown.spoken); answers made here have a title only.
    announce.textContent = result.spoken || result.title;
    answer.hidden = false;
    answer.className = `door-answer tone-${result.tone}`;
    document.getElementById("answer-title").textContent = result.title;
    document.getElementById("answer-detail").textContent = result.detail;
    actions.hidden = !result.code;
    printForm.hidden = String(result.code).startsWith("id:"); // offline: undo only
    for (const field of document.querySelectorAll(".answer-code")) field.value = result.code;
    admitForm.hidden = !result.admit;
    admitCode.value = result.admit || "";
    // The answer is always seen (after a check-in from the search list, scrolled up to the
    // top of the screen, it is out of view); while the camera scans, the preview under it
    // stays on screen too (the first answer would otherwise push it down, out of view).
    if (!inView(answer) || (stream && !inView(video))) {
      answer.scrollIntoView({ block: "start" });
    }
  }

  function showCounts(counts) {
    document.getElementById("count-in").textContent = counts.checked_in;
    document.getElementById("count-expected").textContent = counts.expected;
    document.getElementById("count-walk-ins").textContent = counts.walk_ins;
    const word = document.getElementById("count-walk-ins-word");
    word.textContent = pluralOf(counts.walk_ins, word.dataset.one, word.dataset.other);
  }

  // "1 walk-in", "2 walk-ins": the page gives both forms, the page's language the rule.
  function pluralOf(count, one, other) {
    return new Intl.PluralRules(document.documentElement.lang).select(count) === "one" ? one : other;
  }

  async function post(url, fields) {
    const body = new FormData();
    body.append("csrf_token", token);
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    // An ended session shows as a redirect to the login page, or as a refused form (400,
    // the CSRF token goes with the session); anything else the server refuses is a fault.
    if (response.redirected || [400, 401, 403].includes(response.status)) {
      throw new DoorError("login");
    }
    if (!response.ok) throw new DoorError("server");
    const data = await response.json();
    show(data.answer);
    showCounts(data.counts);
  }

  class DoorError extends Error {
    constructor(kind) {
      super(kind);
      this.kind = kind;
    }
  }
  const failure = (error) =>
    ({ login: screen.dataset.login, server: screen.dataset.server })[error.kind] ||
    screen.dataset.offline;

  // One request id per scan: a retry after a network error gets the first answer again.
  let pending = null;
  async function checkIn(value) {
    if (!value.trim()) return;
    pending = pending && pending.code === value ? pending : { code: value, id: newRequestId() };
    try {
      await post(screen.dataset.scanUrl, { code: value, door: door.value, request_id: pending.id });
      pending = null;
      if (search.value) refreshSearch();
    } catch (error) {
      if (!(error instanceof DoorError)) {
        // No network: this phone answers from its list, and sends it later with the same
        // request id (a scan that did reach the server gets its first answer back).
        const id = pending.id;
        pending = null;
        await offlineScan(value, id);
        return;
      }
      show({ tone: "stop", title: failure(error), detail: value, code: "" });
      if (!code.value) code.value = value; // nothing typed is lost
    }
  }

  scanForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = code.value;
    code.value = "";
    if (printOnly.checked) {
      show({ tone: "ok", title: screen.dataset.printing, detail: value, code: "" });
      printBadge(value);
    } else {
      checkIn(value);
    }
    ready();
  });

  // Someone on the waitlist (or who had cancelled) is here anyway: a seat and in.
  function admit(value) {
    post(screen.dataset.admitUrl, { code: value, door: door.value })
      .then(() => {
        if (search.value) refreshSearch();
      })
      .catch((error) => show({ tone: "stop", title: failure(error), detail: "", code: "" }));
    ready();
  }
  admitForm.addEventListener("submit", (event) => {
    event.preventDefault();
    admit(admitCode.value);
  });

  undoForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (undoCode.value.startsWith("id:")) {
      offlineUndo(Number(undoCode.value.slice(3)));
      return;
    }
    post(screen.dataset.undoUrl, { code: undoCode.value })
      .then(() => {
        if (search.value) refreshSearch(); // the list no longer says they are in
      })
      .catch(() => undoForm.submit());
    ready();
  });

  // The code field takes the focus back for the next badge, for a USB scanner; not while
  // the camera scans, nor on a touch screen, where focusing it brings the keyboard up over
  // the answer (a Bluetooth scanner there: tap the field once, it keeps the focus while
  // scans end with Enter).
  const touch = window.matchMedia("(pointer: coarse)").matches;
  const ready = () => {
    if (!stream && !touch) code.focus();
  };
  if (touch) {
    // The page's autofocus (for a USB scanner without this script) comes before any touch:
    // undo it; a tap on the field later is the volunteer's own.
    let touched = false;
    document.addEventListener("pointerdown", () => (touched = true), { capture: true, once: true });
    const unfocus = () => {
      if (!touched && document.activeElement === code) code.blur();
    };
    unfocus();
    code.addEventListener("focus", unfocus);
  }

  // A USB scanner types wherever the focus is: bring it back to the code field unless the
  // volunteer is using another field.
  document.addEventListener("focusout", () => {
    setTimeout(() => {
      const active = document.activeElement;
      if (!active || active === document.body) ready();
    }, 300);
  });

  const searchStatus = document.getElementById("search-status");
  let announcedQuery = null;
  let searchTimer = null;
  async function refreshSearch() {
    const url = new URL(screen.dataset.searchUrl, window.location.href);
    url.searchParams.set("q", search.value);
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" } });
    } catch (error) {
      setOffline(true);
      offlineSearch();
      return;
    }
    if (response.redirected || [401, 403].includes(response.status)) {
      // The session ended (or a paired phone was revoked): say so, rather than "nobody".
      show({ tone: "stop", title: screen.dataset.login, detail: "", code: "" });
      forgetIfRefused();
      return;
    }
    if (!response.ok) return;
    const data = await response.json();
    // Screen readers hear how many match, once per search (the list is redrawn after each
    // check-in too); the list itself is for the eyes and the fingers.
    const found = data.people.length;
    const status = !search.value.trim()
      ? ""
      : !found
        ? screen.dataset.nobody
        : pluralOf(found, screen.dataset.foundOne, screen.dataset.foundOther).replace("{n}", String(found));
    if (search.value !== announcedQuery) {
      searchStatus.textContent = status;
      announcedQuery = search.value;
    }
    if (!found && search.value.trim()) {
      const item = document.createElement("li");
      item.className = "muted";
      item.textContent = screen.dataset.nobody;
      people.replaceChildren(item);
      return;
    }
    people.replaceChildren(
      ...data.people.map((person) => {
        const item = document.createElement("li");
        const label = document.createElement("span");
        label.className = "door-person";
        const name = document.createElement("strong");
        name.textContent = person.name;
        label.append(name);
        if (person.company) label.append(` · ${person.company}`);
        if (person.note) {
          const note = document.createElement("em");
          note.textContent = ` ${person.note}`;
          label.append(note);
        }
        item.append(label);
        // Twelve "Check in" buttons read alike: each says whom it acts on.
        const rowButton = (className, label, named, action) => {
          const button = document.createElement("button");
          button.type = "button";
          button.className = className;
          button.textContent = label;
          button.setAttribute("aria-label", named.replace("{name}", () => person.name));
          button.addEventListener("click", action);
          item.append(button);
        };
        if (person.admit) {
          rowButton("small secondary", screen.dataset.admitLabel, screen.dataset.admitNamed, () =>
            admit(person.admit),
          );
        }
        if (person.code) {
          rowButton("small", screen.dataset.checkInLabel, screen.dataset.checkInNamed, () => {
            checkIn(person.code);
            ready(); // the list is redrawn: the next badge goes to the code field
          });
        }
        return item;
      }),
    );
  }
  // With the phone's keyboard up, the search field and its first results must stay in view:
  // the field goes to the top of what is left of the screen, with room below it for the list.
  const inView = (element) => {
    const box = element.getBoundingClientRect();
    const height = window.visualViewport ? window.visualViewport.height : window.innerHeight;
    return box.top >= 0 && box.bottom <= height;
  };
  const searchToTop = () => {
    if (document.activeElement !== search) return;
    screen.classList.add("searching");
    search.form.scrollIntoView({ block: "start" });
  };
  search.addEventListener("focus", () => {
    screen.classList.add("searching");
    searchToTop();
    setTimeout(searchToTop, 350); // once the keyboard is up
  });
  if (window.visualViewport) window.visualViewport.addEventListener("resize", searchToTop);
  search.addEventListener("blur", () => {
    if (!search.value.trim()) screen.classList.remove("searching");
  });
  search.form.addEventListener("submit", (event) => {
    event.preventDefault();
    refreshSearch();
  });
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refreshSearch, 150);
  });

  // The camera, where the browser allows it: the browser's own BarcodeDetector if it reads
  // QR codes, else jsQR (vendored, loaded on first use). The same code within 3 s is one scan.
  const cameraBox = document.querySelector(".door-camera");
  const cameraToggle = document.getElementById("camera-toggle");
  const video = document.getElementById("camera");
  const cameraProblem = document.getElementById("camera-problem");
  let stream = null;
  let detect = null;
  let generation = 0;
  // A badge held in front of the camera is one scan: its code is ignored until it has been
  // out of view for 2 s.
  let last = { value: "", seen: 0 };
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) cameraBox.hidden = false;

  function loadDecoder() {
    if (window.jsQR) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = screen.dataset.decoderUrl;
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }

  async function readsQrItself() {
    if (!("BarcodeDetector" in window)) return false;
    try {
      return (await BarcodeDetector.getSupportedFormats()).includes("qr_code");
    } catch (error) {
      return false;
    }
  }

  async function makeDetector() {
    if (await readsQrItself()) {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      return async () => {
        const found = await detector.detect(video);
        return found.length ? found[0].rawValue : null;
      };
    }
    await loadDecoder();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async () => {
      const scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      if (!canvas.width || !canvas.height) return null;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = window.jsQR(image.data, image.width, image.height, {
        inversionAttempts: "dontInvert",
      });
      return found ? found.data : null;
    };
  }

  async function watch(run) {
    if (!stream || run !== generation) return;
    try {
      const value = await detect();
      const now = Date.now();
      const same = value && value === last.value && now - last.seen < 2000;
      if (value) last.seen = now;
      if (value && !same) {
        last = { value, seen: now };
        if (printOnly.checked) {
          // Opening a tab needs the volunteer's own tap: offer the Print button for it.
          show({ tone: "ok", title: screen.dataset.tapToPrint, detail: "", code: value });
        } else {
          checkIn(value);
        }
      }
    } catch (error) {
      // A frame that could not be read: try the next one.
    }
    setTimeout(() => watch(run), 150);
  }

  async function startCamera() {
    if (stream || cameraToggle.disabled) return;
    cameraToggle.disabled = true; // one permission prompt, one stream
    cameraProblem.hidden = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      detect = await makeDetector();
      cameraToggle.textContent = cameraToggle.dataset.stop;
      generation += 1;
      watch(generation);
    } catch (error) {
      stopCamera();
      cameraProblem.hidden = false;
    } finally {
      cameraToggle.disabled = false;
    }
  }

  function stopCamera() {
    generation += 1;
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.hidden = true;
    video.srcObject = null;
    cameraToggle.textContent = cameraToggle.dataset.start;
  }

  cameraToggle.addEventListener("click", () => (stream ? stopCamera() : startCamera()));

  // -- offline ------------------------------------------------------------------------------
  const ds = screen.dataset;
  const LIST = listKey(ds.offlineUrl);
  const QUEUE = queueKey(ds.offlineUrl);
  const banner = document.getElementById("offline-banner");
  const conflicts = document.getElementById("conflicts");
  let offline = false;

  function wipe() {
    localStorage.removeItem(LIST);
    localStorage.removeItem(QUEUE);
  }

  // Refused by the server: a revoked phone (or one past its window) keeps nothing; a
  // volunteer whose login merely ended keeps the queue, sent once they log in again.
  function forgetIfRefused() {
    if (store.load(QUEUE, []).length) localStorage.removeItem(LIST);
    else wipe();
  }

  function setOffline(value) {
    offline = value;
    updateBanner();
  }

  function updateBanner() {
    const waiting = store.load(QUEUE, []).length;
    const text = offline ? ds.offlineBanner : waiting ? ds.sending : "";
    banner.hidden = !text;
    banner.textContent = text.replace("{n}", String(waiting));
  }

  const timeOf = (iso) =>
    new Intl.DateTimeFormat(document.documentElement.lang, {
      hour: "2-digit",
      minute: "2-digit",
      timeZone: ds.zone,
    }).format(new Date(iso));

  async function hashOf(value) {
    const bytes = new TextEncoder().encode(value.toUpperCase());
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The code in what was scanned: the bare code or the QR code's whole URL.
  function codeOf(scanned) {
    const text = scanned.trim();
    const match = text.match(/\/b\/([^/?#\s]+)\/?(?:[?#].*)?$/i);
    return match ? match[1] : text;
  }

  function localCounts(list) {
    const queue = store.load(QUEUE, []);
    const seated = list.people.filter((p) => p.status === "confirmed");
    const walkIns = queue.filter((item) => item.kind === "walkin").length;
    showCounts({
      checked_in: seated.filter((p) => p.in_at).length + walkIns,
      expected: seated.length + walkIns,
      walk_ins: Number(document.getElementById("count-walk-ins").textContent) || walkIns,
    });
  }

  async function offlineScan(value, requestId) {
    setOffline(true);
    const list = store.load(LIST, null);
    if (!list) {
      show({ tone: "stop", title: ds.offlineNoList, detail: value, code: "" });
      return;
    }
    const hash = await hashOf(codeOf(value));
    offlineCheckIn(list.people.find((p) => p.h === hash), requestId);
  }

  function offlineCheckIn(person, requestId) {
    const list = store.load(LIST, null);
    person = person && list.people.find((p) => p.id === person.id);
    if (!person) {
      show({ tone: "stop", title: ds.offlineUnknown, detail: ds.offlineUnknownDetail, code: "" });
    } else if (person.status === "waitlisted") {
      show({ tone: "warn", title: ds.offlineWaitlisted, detail: person.name, code: "" });
    } else if (person.status === "cancelled") {
      show({ tone: "stop", title: ds.offlineCancelled, detail: person.name, code: "" });
    } else if (person.in_at) {
      const title = person.door
        ? ds.offlineAlready.replace("{time}", timeOf(person.in_at)).replace("{door}", () => person.door)
        : ds.offlineAlreadyHere.replace("{time}", timeOf(person.in_at));
      show({ tone: "warn", title, detail: person.name, code: `id:${person.id}` });
    } else {
      person.in_at = new Date().toISOString();
      person.door = door.value.trim();
      store.save(LIST, list);
      const queue = store.load(QUEUE, []);
      queue.push({
        rid: requestId || newRequestId(),
        kind: "in",
        id: person.id,
        door: person.door,
        at: person.in_at, // kept as the check-in's time when sent (within 12 h)
      });
      store.save(QUEUE, queue);
      const title = ds.offlineWelcome.replace("{name}", () => person.first_name);
      show({ tone: "ok", title, detail: person.company, code: `id:${person.id}` });
    }
    localCounts(list);
    updateBanner();
    if (search.value) offlineSearch();
  }

  function offlineUndo(id) {
    const list = store.load(LIST, null);
    const person = list && list.people.find((p) => p.id === id);
    if (!person) return;
    let queue = store.load(QUEUE, []);
    const waiting = queue.findIndex((item) => item.kind === "in" && item.id === id);
    if (waiting >= 0) queue.splice(waiting, 1); // never sent: nothing to take back
    else queue.push({ rid: newRequestId(), kind: "undo", id });
    store.save(QUEUE, queue);
    person.in_at = null;
    person.door = "";
    store.save(LIST, list);
    show({ tone: "warn", title: ds.offlineUndone, detail: person.name, code: "" });
    localCounts(list);
    updateBanner();
    if (search.value) offlineSearch();
  }

  const fold = (text) =>
    (text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/œ/gi, "oe")
      .replace(/æ/gi, "ae")
      .toLowerCase();

  function offlineSearch() {
    const list = store.load(LIST, null);
    const words = fold(search.value).split(/\s+/).filter(Boolean);
    if (!list || !words.length) {
      people.replaceChildren();
      return;
    }
    const found = list.people
      .filter((p) => words.every((w) => fold(`${p.name} ${p.company}`).includes(w)))
      .slice(0, 12);
    people.replaceChildren(
      ...found.map((person) => {
        const item = document.createElement("li");
        const label = document.createElement("span");
        label.className = "door-person";
        const name = document.createElement("strong");
        name.textContent = person.name;
        label.append(name);
        if (person.company) label.append(` · ${person.company}`);
        const status = { waitlisted: ds.offlineWaitlisted, cancelled: ds.offlineCancelled };
        const noteText = status[person.status] || (person.in_at ? `✓ ${timeOf(person.in_at)}` : "");
        if (noteText) {
          const note = document.createElement("em");
          note.textContent = ` ${noteText}`;
          label.append(note);
        }
        item.append(label);
        if (person.status === "confirmed" && !person.in_at) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "small";
          button.textContent = ds.checkInLabel;
          button.setAttribute("aria-label", ds.checkInNamed.replace("{name}", () => person.name));
          button.addEventListener("click", () => offlineCheckIn(person));
          item.append(button);
        }
        return item;
      }),
    );
  }

  function addConflict(answer) {
    const item = document.createElement("li");
    item.textContent = `${ds.conflict} ${answer.title} — ${answer.detail}`;
    conflicts.append(item);
    conflicts.hidden = false;
  }

  // The list, fetched while online (and only when nothing waits to be sent, so that what
  // was done offline is not overwritten); refused (logged out, a revoked phone): wiped.
  async function refreshList() {
    if (store.load(QUEUE, []).length) return;
    let response;
    try {
      response = await fetch(ds.offlineUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (error) {
      setOffline(true);
      return;
    }
    if (response.redirected || [401, 403, 404].includes(response.status)) {
      forgetIfRefused();
      return;
    }
    if (!response.ok) return;
    store.save(LIST, await response.json());
    setOffline(false);
  }

  // What was done offline, sent in order, each with its request id; a check-in another door
  // made meanwhile comes back as "already in at 19:04 (Door 2)": listed, counted once (the
  // counters are the server's again).
  let flushing = false;
  async function flush() {
    const queue = store.load(QUEUE, []);
    if (flushing || !queue.length) return;
    flushing = true;
    updateBanner();
    try {
      while (queue.length) {
        const item = queue[0];
        let url = ds.scanUrl;
        let fields = {
          registration: item.id,
          door: item.door || "",
          request_id: item.rid,
          scanned_at: item.at || "",
        };
        if (item.kind === "undo") {
          url = ds.undoUrl;
          fields = { registration: item.id };
        } else if (item.kind === "walkin") {
          url = ds.walkInUrl;
          fields = item.fields;
        }
        const body = new FormData();
        body.append("csrf_token", token);
        for (const [name, value] of Object.entries(fields)) body.append(name, value);
        const response = await fetch(url, {
          method: "POST",
          body,
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (response.redirected || [400, 401, 403].includes(response.status)) {
          show({ tone: "stop", title: ds.login, detail: "", code: "" });
          localStorage.removeItem(LIST); // the queue waits for the next login
          return;
        }
        if (response.ok) {
          const data = await response.json();
          if (item.kind === "in" && data.answer.tone !== "ok") addConflict(data.answer);
          showCounts(data.counts);
        }
        queue.shift();
        store.save(QUEUE, queue);
      }
      offline = false;
      await refreshList();
    } catch (error) {
      setOffline(true);
    } finally {
      flushing = false;
      updateBanner();
    }
  }

  // The page and what it needs, kept for opening without the network (the service worker
  // answers from this cache when the network fails).
  async function cacheForOffline() {
    if (!("caches" in window)) return;
    const urls = [window.location.pathname, ds.walkInUrl];
    // jsQR (46 KB compressed) only where the camera would need it: Chrome on Android reads
    // QR codes itself (BarcodeDetector); a phone's data plan is not spent on what it never runs.
    if (!(await readsQrItself())) urls.push(ds.decoderUrl);
    for (const element of document.querySelectorAll("script[src], link[rel=stylesheet]")) {
      urls.push(element.src || element.href);
    }
    try {
      const cache = await caches.open("door-pages");
      await cache.addAll(urls);
    } catch (error) {
      // Not this time: the next visit tries again.
    }
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(ds.swUrl).catch(() => {});
  }
  const told = sessionStorage.getItem("door-answer");
  if (told) {
    sessionStorage.removeItem("door-answer");
    show(JSON.parse(told));
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", () => setOffline(true));
  updateBanner();
  flush().then(refreshList).then(cacheForOffline);

  // Counters: other doors check people in too. Offline, they are this phone's.
  setInterval(async () => {
    if (document.hidden) return;
    if (store.load(QUEUE, []).length) {
      flush();
      return;
    }
    try {
      const response = await fetch(ds.countsUrl, { headers: { Accept: "application/json" } });
      if (response.redirected) {
        forgetIfRefused();
        return;
      }
      if (response.ok) {
        showCounts(await response.json());
        if (offline) setOffline(false);
      }
    } catch (error) {
      setOffline(true);
    }
  }, 5000);
}
