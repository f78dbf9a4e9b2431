// Phalanx dashboard: draws the page's figures and keeps the view's state in the URL.
// No framework and nothing fetched from another host: Plotly is the bundle served by
// this server (/static/plotly-basic.min.js).
"use strict";

function drawFigures() {
  document.querySelectorAll("div.figure[data-figure]").forEach(function (div) {
    var source = document.getElementById(div.dataset.figure);
    if (!source || typeof Plotly === "undefined") { return; }
    var fig = JSON.parse(source.textContent);
    Plotly.newPlot(div, fig.data, fig.layout || {}, { responsive: true, displaylogo: false });
    div.on && div.on("plotly_click", function (event) {
      // a point carrying an actor id (the network's nodes) opens that actor's history
      var point = event.points && event.points[0];
      var id = point && point.id;
      if (typeof id === "string" && id !== "" && div.dataset.actorLinks === "yes") {
        window.location.href = "/actor/" + encodeURIComponent(id);
      }
    });
  });
}

// A range input that picks a date among data-dates (ISO days): show the chosen date,
// and submit its form (a GET: the new state is the URL) when the user lets go.
function wireDateSliders() {
  document.querySelectorAll("input[type=range][data-dates]").forEach(function (slider) {
    var dates = slider.dataset.dates.split(",");
    var target = document.getElementById(slider.dataset.target);
    var show = document.getElementById(slider.dataset.show);
    function current() { return dates[Math.min(dates.length - 1, Math.max(0, +slider.value))]; }
    slider.addEventListener("input", function () {
      if (target) { target.value = current(); }
      if (show) { show.textContent = current(); }
    });
    slider.addEventListener("change", function () {
      if (target) { target.value = current(); }
      slider.form.requestSubmit();
    });
  });
}

// Leave empty inputs out of a GET form's URL, so shared links stay short.
function tidyForms() {
  document.querySelectorAll("form.controls").forEach(function (form) {
    form.addEventListener("formdata", function (event) {
      var empty = [];
      event.formData.forEach(function (value, key) { if (value === "") { empty.push(key); } });
      empty.forEach(function (key) { event.formData.delete(key); });
    });
  });
}

// An issue's positions form: each position changed from the value shown becomes a
// pos=ACTOR:VALUE parameter (replacing an earlier one for that actor).
function wirePositions() {
  var form = document.getElementById("positions-form");
  if (!form) { return; }
  form.addEventListener("formdata", function (event) {
    var kept = event.formData.getAll("pos");
    var changed = {};
    form.querySelectorAll("input.position").forEach(function (input) {
      if (input.value !== input.defaultValue && input.value !== "") {
        changed[input.dataset.actor] = input.value;
      }
    });
    event.formData.delete("pos");
    kept.forEach(function (p) {
      if (!(p.split(":")[0] in changed)) { event.formData.append("pos", p); }
    });
    Object.keys(changed).forEach(function (actor) {
      event.formData.append("pos", actor + ":" + changed[actor]);
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  drawFigures();
  wireDateSliders();
  tidyForms();
  wirePositions();
});
