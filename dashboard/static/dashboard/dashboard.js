/* Draws the dashboard's charts with Chart.js from the data the server put into the page.
 *
 * Every chart is a <canvas data-chart="KIND" data-source="ID">, where ID names a
 * json_script element holding the analytics API's own answer for the page's range;
 * the mappers below only reshape that answer for Chart.js, they compute no number. */
"use strict";

(function () {
  const root = document.querySelector(".dashboard");
  if (!root || typeof window.Chart === "undefined") {
    return;
  }
  const currency = root.dataset.currency || "USD";
  const interval = root.dataset.interval || "month";
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: currency });
  const moneyShort = new Intl.NumberFormat("en-US", {
    style: "currency", currency: currency, notation: "compact", maximumFractionDigits: 1,
  });
  const count = new Intl.NumberFormat("en-US");
  // Okabe–Ito, distinguishable with every common form of colour blindness, without its yellow, whose
  // contrast against a white page is too low for a bar or a line.
  const palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"];

  const styles = getComputedStyle(document.documentElement);
  const css = function (name, fallback) { return (styles.getPropertyValue(name) || "").trim() || fallback; };
  Chart.defaults.color = css("--body-quiet-color", "#666");
  Chart.defaults.borderColor = css("--hairline-color", "#e8e8e8");
  Chart.defaults.font.family = css("--font-family-primary", "sans-serif");
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /* A bucket's label from its ISO start ("2024-05-01..." → "May 2024" for months). */
  function periodLabel(iso) {
    const day = String(iso).slice(0, 10);
    const [year, month, date] = day.split("-").map(Number);
    switch (interval) {
      case "year": return String(year);
      case "quarter": return "Q" + (Math.floor((month - 1) / 3) + 1) + " " + year;
      case "month": return monthNames[month - 1] + " " + year;
      case "week": return "Week of " + date + " " + monthNames[month - 1] + " " + year;
      default: return date + " " + monthNames[month - 1] + " " + year;
    }
  }

  function moneyAxis() {
    return { beginAtZero: true, ticks: { callback: function (value) { return moneyShort.format(value); } } };
  }

  function moneyTooltip(context) {
    return (context.dataset.label ? context.dataset.label + ": " : "") + money.format(context.parsed.y ?? context.parsed);
  }

  const mappers = {
    /* metrics?metrics=revenue: one line, every bucket present; a bucket the range covers only in part
     * (or that has not ended) is a diamond, and the line to it is dashed. */
    "revenue-over-time": function (answer) {
      const revenue = answer.find(function (metric) { return metric.metric === "revenue"; });
      const points = revenue.time_series;
      const partial = points.map(function (point) { return point.is_complete === false; });
      return {
        type: "line",
        data: {
          labels: points.map(function (point) { return periodLabel(point.timestamp); }),
          datasets: [{
            label: "Revenue",
            data: points.map(function (point) { return point.value; }),
            borderColor: palette[0],
            backgroundColor: palette[0],
            pointStyle: partial.map(function (isPartial) { return isPartial ? "rectRot" : "circle"; }),
            pointRadius: partial.map(function (isPartial) { return isPartial ? 6 : 3; }),
            segment: {
              borderDash: function (ctx) { return partial[ctx.p0DataIndex] || partial[ctx.p1DataIndex] ? [6, 4] : undefined; },
            },
            tension: 0.2,
          }],
        },
        options: {
          scales: { y: moneyAxis() },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: {
              label: moneyTooltip,
              afterLabel: function (context) { return partial[context.dataIndex] ? "Incomplete: not the whole " + interval : ""; },
            } },
          },
        },
      };
    },

    /* sales/by-team: one stacked bar per bucket, one colour per team. */
    "revenue-by-team": function (answer) {
      const periods = [];
      const teams = new Map();
      answer.results.forEach(function (row) {
        if (!periods.includes(row.period)) { periods.push(row.period); }
        if (!teams.has(row.team_id)) { teams.set(row.team_id, { name: row.team_name, values: new Map() }); }
        teams.get(row.team_id).values.set(row.period, row.total_revenue);
      });
      periods.sort();
      let index = 0;
      const datasets = [];
      teams.forEach(function (team) {
        const colour = palette[index++ % palette.length];
        datasets.push({
          label: team.name,
          data: periods.map(function (period) { return team.values.has(period) ? team.values.get(period) : 0; }),
          backgroundColor: colour,
          borderColor: colour,
        });
      });
      return {
        type: "bar",
        data: { labels: periods.map(periodLabel), datasets: datasets },
        options: {
          scales: { x: { stacked: true }, y: Object.assign(moneyAxis(), { stacked: true }) },
          plugins: { tooltip: { callbacks: { label: moneyTooltip } } },
        },
      };
    },

    /* dashboard's customer_segments: customers per segment. */
    "rfm-segments": function (answer) {
      const rows = answer.segmentation || [];
      return {
        type: "bar",
        data: {
          labels: rows.map(function (row) { return row.segment; }),
          datasets: [{
            label: "Customers",
            data: rows.map(function (row) { return row.count; }),
            backgroundColor: palette[0],  // one colour: the axis names each bar
          }],
        },
        options: {
          indexAxis: "y",
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { display: false }, tooltip: { callbacks: {
            label: function (context) { return count.format(context.parsed.x) + " customers"; },
            afterLabel: function (context) { return "Revenue " + money.format(rows[context.dataIndex].total_revenue); },
          } } },
        },
      };
    },

    /* segments/{id}/history: member count over time, entered and left per snapshot. */
    "segment-history": function (answer) {
      const rows = answer.results || answer;
      const labels = rows.map(function (row) { return String(row.taken_at || row.created_at || row.at).slice(0, 16).replace("T", " "); });
      return {
        type: "bar",
        data: {
          labels: labels,
          datasets: [
            { type: "line", label: "Members", data: rows.map(function (row) { return row.customers_count; }),
              borderColor: palette[0], backgroundColor: palette[0], yAxisID: "y", tension: 0.1 },
            { label: "Entered", data: rows.map(function (row) { return row.entered_count; }),
              backgroundColor: palette[2], yAxisID: "y1" },
            { label: "Left", data: rows.map(function (row) { return -row.left_count; }),
              backgroundColor: palette[1], yAxisID: "y1" },
          ],
        },
        options: {
          scales: {
            y: { beginAtZero: true, position: "left", title: { display: true, text: "Members" }, ticks: { precision: 0 } },
            y1: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Entered / left" },
              ticks: { precision: 0, callback: function (value) { return count.format(Math.abs(value)); } } },
          },
          plugins: { tooltip: { callbacks: {
            label: function (context) { return context.dataset.label + ": " + count.format(Math.abs(context.parsed.y)); },
          } } },
        },
      };
    },
  };

  /* A range too large to segment at once: follow its RFM run and show the chart once it has finished. */
  const running = document.getElementById("rfm-running");
  if (running) {
    const follow = function () {
      fetch(running.dataset.pollUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { status: "running" }; })
        .then(function (run) {
          if (run.status === "succeeded" || run.status === "failed") {
            window.location.reload();
          } else {
            window.setTimeout(follow, 3000);
          }
        })
        .catch(function () { window.setTimeout(follow, 6000); });
    };
    window.setTimeout(follow, 3000);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const source = document.getElementById(canvas.dataset.source);
    const mapper = mappers[canvas.dataset.chart];
    if (!source || !mapper) {
      throw new Error("Chart " + canvas.id + " has no data or no mapper");
    }
    new Chart(canvas, mapper(JSON.parse(source.textContent)));
    canvas.dataset.ready = "true";
  });
  root.dataset.chartsReady = "true";
})();
