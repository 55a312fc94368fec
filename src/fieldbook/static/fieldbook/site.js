// Behaviour for every page, wired by data- attributes: the Content-Security-Policy allows scripts
// from our own static files only (no inline <script>, no onclick="..."), so pages declare what
// they need and this file does it.
(function () {
  "use strict";

  // <button data-select-all="input[name=selected]">: tick every enabled match; data-select-none untick.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-select-all], [data-select-none]");
    if (!button) return;
    const all = button.hasAttribute("data-select-all");
    const selector = button.getAttribute(all ? "data-select-all" : "data-select-none");
    document.querySelectorAll(selector).forEach(function (box) {
      if (!(all && box.disabled)) box.checked = all;
    });
  });

  // <input data-select-on-click>: one click selects the whole value (e.g. the redirect URI to copy).
  document.addEventListener("click", function (event) {
    const input = event.target.closest("input[data-select-on-click]");
    if (input) input.select();
  });

  // A sync run's page follows the run until it is done or paused (#progress[data-status-url]).
  function followRun() {
    const box = document.getElementById("progress");
    if (!box || !box.dataset.statusUrl || ["done", "paused"].includes(box.dataset.state)) return;
    const tick = async function () {
      const r = await fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}});
      if (!r.ok) return setTimeout(tick, 2000);
      const s = await r.json();
      document.getElementById("run-progress").max = Math.max(s.total, 1);
      document.getElementById("run-progress").value = s.done;
      document.getElementById("run-state").textContent = s.state.charAt(0).toUpperCase() + s.state.slice(1);
      document.getElementById("run-counts").textContent = s.done + " of " + s.total + " records done";
      if (["done", "paused"].includes(s.state)) return window.location.reload();
      setTimeout(tick, 800);
    };
    setTimeout(tick, 500);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", followRun);
  else followRun();
})();
