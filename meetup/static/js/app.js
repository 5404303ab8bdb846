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

// Badges page: the calibration link follows the chosen sheet.
const layoutSelect = document.querySelector(".badge-form select[name=layout]");
const calibrationLink = document.getElementById("calibration-link");
if (layoutSelect && calibrationLink) {
  layoutSelect.addEventListener("change", () => {
    calibrationLink.href = calibrationLink.href.replace(/[^/]+\.pdf$/, `${layoutSelect.value}.pdf`);
  });
}
