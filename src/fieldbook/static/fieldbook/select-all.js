// A header checkbox `data-select-all="<name>"` ticks or clears every enabled checkbox of that
// name in its form; it follows them back (ticked when all are, mixed when some are).
(function () {
  "use strict";
  function boxes(master) {
    const scope = master.form || document;
    return Array.from(scope.querySelectorAll('input[type=checkbox][name="' + master.dataset.selectAll + '"]'))
      .filter(function (b) { return !b.disabled; });
  }
  function follow(master) {
    const all = boxes(master);
    const ticked = all.filter(function (b) { return b.checked; }).length;
    master.checked = all.length > 0 && ticked === all.length;
    master.indeterminate = ticked > 0 && ticked < all.length;
  }
  document.addEventListener("change", function (event) {
    const target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.dataset.selectAll) {
      boxes(target).forEach(function (b) { b.checked = target.checked; });
      return;
    }
    document.querySelectorAll("input[data-select-all]").forEach(function (master) {
      if (master.dataset.selectAll === target.name) follow(master);
    });
  });
})();
