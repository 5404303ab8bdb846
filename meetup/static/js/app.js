// Progressive enhancements; every page works without them. No inline script anywhere (CSP).
"use strict";

// <form data-confirm="Question?">: ask before submitting a destructive action.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A form sent back with errors: its summary takes the focus (the page may open far above the
// form), and each of its links puts the cursor in the field it names.
const errorSummary = document.querySelector("[data-error-summary]");
if (errorSummary) {
  errorSummary.focus();
  errorSummary.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href^='#']") : null;
    const field = link ? document.getElementById(link.hash.slice(1)) : null;
    if (!field) return;
    event.preventDefault();
    const section = field.closest("details");
    if (section) section.open = true;
    field.focus();
    field.scrollIntoView({ block: "center" });
  });
}

// A page opened at an answer (#…-answer, tabindex -1): browsers give it the focus, so that
// it is read out; this does it where one would not.
const answerId = location.hash.endsWith("-answer") ? location.hash.slice(1) : "";
const answer = answerId && !errorSummary ? document.getElementById(answerId) : null;
if (answer && document.activeElement !== answer) {
  answer.focus();
}

// Badges page: the calibration link follows the chosen sheet.
const layoutSelect = document.querySelector(".badge-form select[name=layout]");
const calibrationLink = document.getElementById("calibration-link");
if (layoutSelect && calibrationLink) {
  layoutSelect.addEventListener("change", () => {
    calibrationLink.href = calibrationLink.href.replace(/[^/]+\.pdf$/, `${layoutSelect.value}.pdf`);
  });
}

// Switching language reloads the page: what was typed in its forms comes back. It is kept in
// this tab's sessionStorage for that one reload only (never passwords, files or hidden fields)
// and removed on the next page, whichever it is.
const TYPED = "meetup:typed";
const FILLABLE = (field) =>
  field.name && !["password", "hidden", "file", "submit", "button", "reset"].includes(field.type);

document.addEventListener("click", (event) => {
  if (!(event.target instanceof Element) || !event.target.closest(".language-switch a")) return;
  const typed = [];
  document.querySelectorAll("main form").forEach((form, index) => {
    for (const field of Array.from(form.elements).filter(FILLABLE)) {
      if (field.type === "checkbox" || field.type === "radio") {
        typed.push([index, field.name, field.value, field.checked]);
      } else if (field.tagName === "SELECT" && Array.from(field.options).every(
        (option) => option.selected === option.defaultSelected)) {
        continue; // left as the page set it: the new page's choice may differ (its language)
      } else if (field.value) {
        typed.push([index, field.name, field.value, null]);
      }
    }
  });
  if (typed.length) sessionStorage.setItem(TYPED, JSON.stringify({ path: location.pathname, typed }));
});

const kept = JSON.parse(sessionStorage.getItem(TYPED) || "null");
sessionStorage.removeItem(TYPED);
if (kept && kept.path === location.pathname) {
  const forms = document.querySelectorAll("main form");
  for (const [index, name, value, checked] of kept.typed) {
    const fields = forms[index] ? Array.from(forms[index].elements).filter(FILLABLE) : [];
    for (const field of fields.filter((f) => f.name === name)) {
      if (checked === null) field.value = value;
      else if (field.value === value) field.checked = checked;
      // A folded section holding what was typed opens, so nothing typed is hidden.
      const section = field.closest("details");
      if (section && (checked === null || checked)) section.open = true;
    }
  }
}

// A picture too large for the server (data-max-bytes): said at once, beside the field, and
// the file let go, before a long upload the server would refuse (beyond its own limit, a bare
// "too large" page where the form is lost).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
  const tooLarge = Array.from(input.files || []).some((file) => file.size > Number(input.dataset.maxBytes));
  let note = document.getElementById(`${input.id}-too-large`);
  if (!tooLarge) {
    if (note) note.remove();
    input.removeAttribute("aria-invalid");
    return;
  }
  input.value = "";
  input.setAttribute("aria-invalid", "true");
  if (!note) {
    note = document.createElement("small");
    note.id = `${input.id}-too-large`;
    note.className = "field-error";
    note.setAttribute("role", "alert");
    input.insertAdjacentElement("afterend", note);
  }
  note.textContent = input.dataset.tooLarge || "";
});
