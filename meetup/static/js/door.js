// Door screen: answers in place, the code field always ready for the next badge, results
// while typing a name, live counters. Without it, the same forms work with page reloads.
"use strict";

// The walk-in page sends this door's name along.
for (const field of document.querySelectorAll(".door-name-field")) {
  field.value = field.value || localStorage.getItem("door-name") || "";
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

  const newRequestId = () =>
    window.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;

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
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (response.redirected || [401, 403].includes(response.status)) {
      // The session ended (or a paired phone was revoked): say so, rather than "nobody".
      show({ tone: "stop", title: screen.dataset.login, detail: "", code: "" });
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

  async function makeDetector() {
    if ("BarcodeDetector" in window) {
      const formats = await BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        return async () => {
          const found = await detector.detect(video);
          return found.length ? found[0].rawValue : null;
        };
      }
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

  // Counters: other doors check people in too.
  setInterval(async () => {
    if (document.hidden) return;
    const response = await fetch(screen.dataset.countsUrl, { headers: { Accept: "application/json" } });
    if (response.ok) showCounts(await response.json());
  }, 5000);
}
