// The assessment editor's filters and confirmations. The page works without this file: every
// row shows, and the bulk action saves without asking first.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var tools = document.querySelector("[data-item-tools]");
  if (!form || !tools) {
    return;
  }
  var count = tools.querySelector("[data-filter-count]");
  var boxes = Array.prototype.slice.call(tools.querySelectorAll("input[data-filter]"));
  // What each filter keeps, from the row's judgement as the server last drew it.
  var keeps = {
    unanswered: function (row, outcome) {
      return outcome === "missing" && row.getAttribute("data-answerable") === "true";
    },
    blocking: function (row, outcome) {
      return outcome === "blocking" || outcome === "missing" || outcome === "missing_reason";
    },
    applicable: function (row, outcome) {
      return outcome !== "skipped";
    }
  };
  function outcomeOf(row) {
    var status = row.querySelector(".status");
    return status ? status.getAttribute("data-outcome") : "";
  }
  // Applied when a filter is turned on or off, not while answers change, so a row just
  // answered stays in sight until the person looks at the list again.
  function apply() {
    var on = boxes.filter(function (b) { return b.checked; }).map(function (b) {
      return b.getAttribute("data-filter");
    });
    var rows = form.querySelectorAll("fieldset.item");
    var shown = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var outcome = outcomeOf(row);
      var show = on.every(function (f) { return keeps[f](row, outcome); });
      row.hidden = !show;
      if (show) {
        shown += 1;
      }
    });
    count.textContent = on.length ? shown + " 件を表示しています（全 " + rows.length + " 件）" : "";
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", function (event) {
      // Not a change of the form: no preview request.
      event.stopPropagation();
      apply();
    });
  });
  tools.hidden = false;
  // A link to a row (from the verdict) shows the row even when a filter hides it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#item-']") : null;
    if (!link) {
      return;
    }
    var row = document.getElementById(link.getAttribute("href").slice(1));
    if (row) {
      row.hidden = false;
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-confirm]"), function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
}());
