/* Follows a running import on its admin page: polls the job (data/logs/{id}/) and moves the
 * progress bar and the row count; once the job has finished, reloads the page so it shows the
 * outcome and the row errors as the server renders them. */
"use strict";

(function () {
  const box = document.getElementById("import-status");
  if (!box) {
    return;
  }
  const url = box.dataset.pollUrl;
  const delay = Number(box.dataset.pollSeconds || "2") * 1000;
  const count = new Intl.NumberFormat("en-US");
  const statusText = box.querySelector("[data-role=status]");
  const progressText = box.querySelector("[data-role=progress-text]");
  const bar = box.querySelector("progress");
  const labels = { queued: "queued", running: "running", succeeded: "succeeded", failed: "failed" };

  function render(job) {
    box.dataset.status = job.status;
    box.dataset.rowsProcessed = String(job.rows_processed);
    box.dataset.rowsTotal = job.rows_total === null ? "" : String(job.rows_total);
    statusText.textContent = labels[job.status] || job.status;
    if (job.rows_total === null) {
      progressText.textContent = count.format(job.rows_processed) + " rows read so far.";
      bar.removeAttribute("value");
      return;
    }
    const percent = job.rows_total === 0 ? 100 : Math.floor((job.rows_processed * 100) / job.rows_total);
    progressText.textContent =
      count.format(job.rows_processed) + " of " + count.format(job.rows_total) + " rows (" + percent + "%).";
    bar.max = Math.max(job.rows_total, 1);
    bar.value = job.rows_total === 0 ? 1 : job.rows_processed;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (job) {
        render(job);
        if (job.status === "succeeded" || job.status === "failed") {
          progressText.textContent += " Finished; loading the outcome…";
          window.location.reload();
          return;
        }
        window.setTimeout(poll, delay);
      })
      .catch(function (error) {
        progressText.textContent = "Could not reach the server (" + error.message + "); trying again.";
        window.setTimeout(poll, delay * 2);
      });
  }

  window.setTimeout(poll, delay);
})();
