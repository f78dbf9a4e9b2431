// Phalanx dashboard: submit a background job from a page and follow its progress.
// Progress comes as server-sent events (/api/jobs/ID/events); where EventSource is missing
// or the stream breaks, the page polls /api/jobs/ID instead. Nothing is fetched from
// another host.
"use strict";

(function () {
  var form = document.getElementById("job-form");
  if (!form) { return; }
  var box = document.getElementById("job-status");
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-text");

  function show(message, isError) {
    box.hidden = false;
    text.textContent = message;
    text.className = isError ? "error" : "";
  }

  function number(name) {
    var el = form.elements[name];
    return el && el.value !== "" ? Number(el.value) : null;
  }

  function scenarioSpec() {
    var spec = { kind: "scenario", scenario: form.dataset.scenario,
                 runs: number("runs"), years: number("years"), drivers: {} };
    var seed = number("seed");
    if (seed !== null) { spec.seed = seed; }
    document.querySelectorAll("#drivers tr[data-driver]").forEach(function (row) {
      var low = Number(row.querySelector(".driver-low").value);
      var high = Number(row.querySelector(".driver-high").value);
      if (low !== Number(row.dataset.low) || high !== Number(row.dataset.high)) {
        spec.drivers[row.dataset.driver] = { low: low, high: high };
      }
    });
    return spec;
  }

  function discoverySpec() {
    var spec = { kind: "discovery", scenario: form.elements.scenario.value,
                 outcome: form.elements.outcome.value, points: number("points"),
                 runs_per_point: number("runs_per_point"),
                 sensitivity: form.elements.sensitivity.checked };
    var seed = number("seed");
    if (seed !== null) { spec.seed = seed; }
    return spec;
  }

  function progress(p) {
    bar.max = Math.max(1, p.total);
    bar.value = p.done;
    show("job " + p.id + ": " + p.status + " (" + p.done + " of " + p.total + ")" +
         (p.reason ? ": " + p.reason : ""), p.status === "failed" || p.status === "interrupted");
  }

  function finished(job) {
    progress(job);
    form.querySelector("button[type=submit]").disabled = false;
    if (job.status !== "complete") { return; }
    if (job.kind === "scenario" && job.run_id) {
      window.location.href = "/runs/" + encodeURIComponent(job.run_id);
    } else if (job.kind === "discovery") {
      window.location.href = "/discovery?job=" + encodeURIComponent(job.id);
    }
  }

  function poll(id) {
    fetch("/api/jobs/" + id, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (["complete", "failed", "interrupted"].indexOf(job.status) >= 0) { finished(job); }
        else { progress(job); setTimeout(function () { poll(id); }, 500); }
      })
      .catch(function () { setTimeout(function () { poll(id); }, 1000); });
  }

  function follow(id) {
    if (typeof EventSource === "undefined") { poll(id); return; }
    var source = new EventSource("/api/jobs/" + id + "/events");
    var ended = false;
    source.addEventListener("progress", function (e) { progress(JSON.parse(e.data)); });
    source.addEventListener("end", function (e) {
      ended = true;
      source.close();
      finished(JSON.parse(e.data));
    });
    source.onerror = function () {
      if (!ended) { source.close(); poll(id); }  // the fallback: polling
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var spec = form.dataset.kind === "discovery" ? discoverySpec() : scenarioSpec();
    form.querySelector("button[type=submit]").disabled = true;
    show("submitting...", false);
    fetch("/api/jobs", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(spec)
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (answer) {
      if (answer.status !== 202) {
        form.querySelector("button[type=submit]").disabled = false;
        var where = answer.body.field ? " (" + answer.body.field + ")" : "";
        show("refused" + where + ": " + answer.body.detail, true);
        return;
      }
      var job = answer.body;
      if (form.elements.seed) { form.elements.seed.value = String(job.seed); }  // shown, editable
      progress(job);
      follow(job.id);
    }).catch(function (err) {
      form.querySelector("button[type=submit]").disabled = false;
      show("could not submit the job: " + err, true);
    });
  });
})();
