/*
 * The chart view's interactive timeline: fetches events from the JSON API (following `next`
 * cursors), draws them with Plotly (lanes by kind; day-dated events as points sized by sources;
 * events known only to a week, month, year... as bars spanning their period; "reported" events
 * hollow), shows each event's headline and first summary sentence on hover and in the list, and
 * opens a side panel with its summary and supporting sentences on click.
 * It does not compute dates, labels or the key events: `date_label`, `summary` and the `key=1`
 * selection come from the server, so a month stays "March 2025" and the key events are the
 * story view's. The story view itself needs no script. Everything user-written is inserted as
 * text, never as HTML.
 */
(function () {
  "use strict";

  var chart = document.getElementById("timeline");
  var form = document.getElementById("filters");
  if (!chart || !form) return;
  var statusEl = document.getElementById("status");
  var listEl = document.getElementById("event-list");
  var listNote = document.getElementById("list-note");
  var panel = document.getElementById("panel");
  var panelBody = document.getElementById("panel-body");

  var PAGE_SIZE = 1000;
  var MAX_EVENTS = 20000;
  var LIST_SIZE = 200;
  var DAY_MS = 86400000;
  var POINT_PRECISIONS = { day: true, time: true, reported: true };
  var KIND_COLORS = {
    diplomacy: "#1f6fb4", conflict: "#c8372d", politics: "#7b4fb0", economy: "#2a8a3e",
    disaster: "#e07b12", legal: "#7a5230", health: "#c2407f", other: "#6b7280"
  };
  var FALLBACK_COLORS = ["#0f766e", "#a16207", "#4338ca", "#be123c", "#15803d"];
  var requestSeq = 0;

  function kindColor(kind, i) {
    return KIND_COLORS[kind] || FALLBACK_COLORS[i % FALLBACK_COLORS.length];
  }

  function esc(text) {
    return String(text == null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function wrap(text, width) {
    var words = String(text).split(/\s+/), lines = [], line = "";
    words.forEach(function (w) {
      if (line && (line + " " + w).length > width) { lines.push(line); line = w; }
      else { line = line ? line + " " + w : w; }
    });
    if (line) lines.push(line);
    return lines.map(esc).join("<br>");
  }

  function dayMs(iso) { return Date.parse(iso + "T00:00:00Z"); }

  /* The form as a query string: for the page's URL (with view=chart) or, without the view, for
     the API. */
  function filterParams(withView) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key === "view" && !withView) return;
      if (String(value).trim() !== "") params.set(key, String(value).trim());
    });
    return params;
  }

  /* The Story/Chart links keep the filters chosen since the page loaded. */
  function updateViewLinks(params) {
    document.querySelectorAll(".view-switch a[data-view]").forEach(function (a) {
      var q = new URLSearchParams(params);
      q.delete("view");
      if (a.dataset.view === "chart") q.set("view", "chart");
      var qs = q.toString();
      a.href = location.pathname + (qs ? "?" + qs : "");
    });
  }

  function firstSentence(e) {
    return e.summary && e.summary.length ? e.summary[0] : "";
  }

  function fetchAll(params, seq) {
    var events = [];
    function page(after) {
      var q = new URLSearchParams(params);
      q.set("limit", String(PAGE_SIZE));
      if (after) q.set("after", after);
      return fetch(chart.dataset.api + "?" + q.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.json().then(function (body) {
            if (!r.ok || !body.ok) throw new Error(body.error || ("HTTP " + r.status));
            return body;
          });
        })
        .then(function (body) {
          if (seq !== requestSeq) throw new Error("superseded");
          events = events.concat(body.events);
          if (body.next && events.length < MAX_EVENTS) return page(body.next);
          return { events: events, total: body.total };
        });
    }
    return page(null);
  }

  /* The window first shown: where most events are (5th to 95th percentile of dates), so one
     event from years earlier does not squeeze the rest into a sliver; the range slider and
     the "all" button show everything. */
  function focusWindow(events, params) {
    var mids = events.map(function (e) {
      return (dayMs(e.date_start) + dayMs(e.date_end) + DAY_MS) / 2;
    }).sort(function (a, b) { return a - b; });
    var lo = Infinity, hi = -Infinity;
    events.forEach(function (e) {
      lo = Math.min(lo, dayMs(e.date_start));
      hi = Math.max(hi, dayMs(e.date_end) + DAY_MS);
    });
    // the shortest stretch of time holding 80% of the events
    var k = Math.max(1, Math.ceil(mids.length * 0.8)), a = mids[0], b = mids[mids.length - 1];
    for (var i = 0; i + k - 1 < mids.length; i++) {
      if (mids[i + k - 1] - mids[i] < b - a) { a = mids[i]; b = mids[i + k - 1]; }
    }
    // show whole weeks and months of the events in focus, not the middle of their bars
    var core = [a, b];
    events.forEach(function (e) {
      var s = dayMs(e.date_start), t = dayMs(e.date_end) + DAY_MS, m = (s + t) / 2;
      if (m >= core[0] && m <= core[1] && t - s <= 92 * DAY_MS) { a = Math.min(a, s); b = Math.max(b, t); }
    });
    if (b - a < 14 * DAY_MS) { var c = (a + b) / 2; a = c - 7 * DAY_MS; b = c + 7 * DAY_MS; }
    if ((b - a) > 0.6 * (hi - lo)) { a = lo; b = hi; }  // no clear focus: show all
    var pad = Math.max(DAY_MS, (b - a) * 0.06);
    var from = a - pad, to = b + pad;
    // dates the viewer asked for win over our guess
    if (params.get("from")) from = dayMs(params.get("from")) - DAY_MS / 2;
    if (params.get("to")) to = dayMs(params.get("to")) + 1.5 * DAY_MS;
    var outside = events.filter(function (e) {
      return dayMs(e.date_end) + DAY_MS < from || dayMs(e.date_start) > to;
    }).length;
    return { lo: lo, hi: hi, from: from, to: to, outside: outside };
  }

  /* Lanes by kind (busiest first); inside a lane, events are packed into rows so that two
     events close in time (at the scale first shown) never sit on top of each other. */
  function layout(events, view) {
    var counts = {};
    events.forEach(function (e) { counts[e.kind] = (counts[e.kind] || 0) + 1; });
    var kinds = Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || (a < b ? -1 : 1);
    });
    var gap = Math.max(DAY_MS / 2, (view.to - view.from) / 90);
    var maxRows = events.length > 1500 ? 5 : 8;
    var lanes = [], y = 0;
    kinds.forEach(function (kind, i) {
      var members = events.filter(function (e) { return e.kind === kind; });
      members.sort(function (a, b) { return dayMs(a.date_start) - dayMs(b.date_start); });
      var rowEnds = [];
      members.forEach(function (e) {
        var s = dayMs(e.date_start);
        var point = POINT_PRECISIONS[e.precision];
        if (point) s += DAY_MS / 2;  // points sit at noon
        var end = point ? s + gap : Math.max(dayMs(e.date_end) + DAY_MS, s + gap);
        var row = rowEnds.findIndex(function (t) { return t <= s; });
        if (row < 0 && rowEnds.length < maxRows) { row = rowEnds.length; rowEnds.push(0); }
        if (row < 0) {  // lane is full: reuse the row that frees up first
          row = rowEnds.indexOf(Math.min.apply(null, rowEnds));
        }
        rowEnds[row] = Math.max(rowEnds[row], end);
        e._y = y + row;
      });
      var rows = Math.max(1, rowEnds.length);
      lanes.push({ kind: kind, color: kindColor(kind, i), from: y - 0.5, to: y + rows - 0.5,
                   center: y + (rows - 1) / 2, count: counts[kind] });
      y += rows + 0.6;
    });
    return { lanes: lanes, rows: y };
  }

  function hoverText(e) {
    var lines = ["<b>" + wrap(e.title, 60) + "</b>"];
    var gist = firstSentence(e);
    if (gist) lines.push(wrap(gist, 72));
    lines.push(esc(e.date_label));
    if (e.date_text && e.precision !== "reported") lines.push("as written: “" + esc(e.date_text) + "”");
    lines.push("precision: " + esc(e.precision) +
      (e.precision === "reported" ? " (no date in the text; placed on the day reported)" : ""));
    lines.push(plural(e.n_sources, "source") + " · " + plural(e.n_mentions, "mention"));
    return lines.join("<br>");
  }

  function traces(events, lanes) {
    var colorOf = {};
    lanes.forEach(function (l) { colorOf[l.kind] = l.color; });
    var bars = events.filter(function (e) { return !POINT_PRECISIONS[e.precision]; });
    var dated = events.filter(function (e) { return e.precision === "day" || e.precision === "time"; });
    var reported = events.filter(function (e) { return e.precision === "reported"; });
    var dense = events.length > 1000;  // smaller marks when thousands share the width
    var size = function (e) {
      var extra = Math.sqrt(Math.max(0, e.n_sources - 1));
      return dense ? Math.min(16, 5 + 3 * extra) : Math.min(30, 8 + 5 * extra);
    };
    var common = {
      hovertemplate: "%{hovertext}<extra></extra>",
      hoverlabel: { align: "left" }
    };
    return [
      Object.assign({
        type: "bar", orientation: "h", name: "period",
        base: bars.map(function (e) { return e.date_start; }),
        x: bars.map(function (e) { return dayMs(e.date_end) + DAY_MS - dayMs(e.date_start); }),
        y: bars.map(function (e) { return e._y; }),
        width: bars.map(function (e) { return Math.min(0.7, 0.38 + 0.08 * (e.n_sources - 1)); }),
        customdata: bars.map(function (e) { return e.id; }),
        hovertext: bars.map(hoverText),
        marker: {
          color: bars.map(function (e) { return colorOf[e.kind]; }), opacity: 0.5,
          line: { color: bars.map(function (e) { return colorOf[e.kind]; }), width: 1.5 }
        }
      }, common),
      Object.assign({
        type: "scatter", mode: "markers", name: "dated",
        x: dated.map(function (e) { return e.date_start + " 12:00"; }),
        y: dated.map(function (e) { return e._y; }),
        customdata: dated.map(function (e) { return e.id; }),
        hovertext: dated.map(hoverText),
        marker: {
          size: dated.map(size), color: dated.map(function (e) { return colorOf[e.kind]; }),
          opacity: 0.9, line: { color: "#ffffff", width: 1 }
        }
      }, common),
      Object.assign({
        type: "scatter", mode: "markers", name: "reported",
        x: reported.map(function (e) { return e.date_start + " 12:00"; }),
        y: reported.map(function (e) { return e._y; }),
        customdata: reported.map(function (e) { return e.id; }),
        hovertext: reported.map(hoverText),
        marker: {
          symbol: "circle-open", size: reported.map(size),
          color: reported.map(function (e) { return colorOf[e.kind]; }),
          line: { width: 2 }
        }
      }, common)
    ];
  }

  function draw(events, params) {
    var view = focusWindow(events, params);
    var geo = layout(events, view);
    var height = Math.max(380, Math.min(640, 150 + geo.rows * 17));
    chart.style.height = height + "px";  // the card must grow with the plot
    chart._view = view;
    var shapes = geo.lanes.map(function (l, i) {
      return {
        type: "rect", xref: "paper", x0: 0, x1: 1, yref: "y", y0: l.from - 0.25, y1: l.to + 0.25,
        fillcolor: i % 2 ? "#ffffff" : "#f3f5f8", line: { width: 0 }, layer: "below"
      };
    });
    var layoutSpec = {
      height: height,
      margin: { l: 96, r: 16, t: 40, b: 24 },
      barmode: "overlay",
      showlegend: false,
      hovermode: "closest",
      hoverdistance: 12,
      dragmode: "zoom",
      plot_bgcolor: "#ffffff",
      paper_bgcolor: "#ffffff",
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 13, color: "#1f2937" },
      hoverlabel: { bgcolor: "#ffffff", bordercolor: "#9ca3af", font: { size: 13, color: "#111827" } },
      shapes: shapes,
      xaxis: {
        type: "date",
        range: [new Date(view.from).toISOString(), new Date(view.to).toISOString()],
        showgrid: true, gridcolor: "#e5e7eb", zeroline: false,
        rangeslider: {
          visible: true, autorange: false,
          range: [new Date(Math.min(view.from, view.lo)).toISOString(),
                  new Date(Math.max(view.to, view.hi)).toISOString()], thickness: 0.07, bgcolor: "#f9fafb", bordercolor: "#d1d5db", borderwidth: 1 },
        rangeselector: {
          x: 0, y: 1.02, yanchor: "bottom", bgcolor: "#eef2f7", activecolor: "#c7d2fe",
          buttons: [
            { count: 7, label: "1w", step: "day", stepmode: "backward" },
            { count: 1, label: "1m", step: "month", stepmode: "backward" },
            { count: 6, label: "6m", step: "month", stepmode: "backward" },
            { count: 1, label: "1y", step: "year", stepmode: "backward" },
            { step: "all", label: "all" }
          ]
        }
      },
      yaxis: {
        autorange: false, range: [Math.max(geo.rows - 0.35, 4), -0.75], fixedrange: true, zeroline: false, showgrid: false,
        tickmode: "array",
        tickvals: geo.lanes.map(function (l) { return l.center; }),
        ticktext: geo.lanes.map(function (l) {
          return "<b>" + esc(l.kind) + "</b>";
        }),
        ticks: "", ticklen: 0
      }
    };
    var config = {
      responsive: true, displaylogo: false, scrollZoom: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
      toImageButtonOptions: { filename: "timeline" }
    };
    return Plotly.react(chart, traces(events, geo.lanes), layoutSpec, config);
  }

  function suggestEntities(events) {
    var list = document.getElementById("entity-names");
    if (!list) return;
    var counts = {};
    events.forEach(function (e) {
      (e.entities || []).forEach(function (n) { counts[n.name] = (counts[n.name] || 0) + 1; });
    });
    var names = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; });
    list.textContent = "";
    names.slice(0, 300).sort().forEach(function (name) {
      var opt = document.createElement("option");
      opt.value = name;
      list.appendChild(opt);
    });
  }

  function renderList(events, total) {
    listEl.textContent = "";
    if (!events.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "No events match these filters.";
      listEl.appendChild(empty);
    }
    events.slice(0, LIST_SIZE).forEach(function (e) {
      var li = document.createElement("li");
      var when = document.createElement("span");
      when.className = "when";
      when.textContent = e.date_label;
      var what = el("span", "what");
      var a = el("a", null, e.title);
      a.href = chart.dataset.eventPage.replace("__ID__", encodeURIComponent(e.id));
      what.appendChild(a);
      if (firstSentence(e)) what.append(" ", el("small", "gist", firstSentence(e)));
      var meta = el("span", "meta", e.kind + " · " + plural(e.n_sources, "source"));
      li.append(when, " ", what, " ", meta);
      listEl.appendChild(li);
    });
    listNote.textContent = total > LIST_SIZE
      ? "First " + Math.min(LIST_SIZE, events.length) + " of " + plural(total, "event") + "."
      : plural(total, "event") + ".";
  }

  function load() {
    var seq = ++requestSeq;
    var params = filterParams(false);
    chart.dataset.state = "loading";
    chart.setAttribute("aria-busy", "true");
    statusEl.textContent = "Loading events…";
    return fetchAll(params, seq).then(function (result) {
      var events = result.events;
      window.timelineEvents = events;
      suggestEntities(events);
      renderList(events, result.total);
      if (!events.length) {
        Plotly.purge(chart);
        chart._clickBound = false;  // purge drops event handlers
        chart.dataset.count = "0";
        chart.dataset.state = "empty";
        statusEl.textContent = "No events match these filters.";
        return;
      }
      return draw(events, params).then(function () {
        if (!chart._clickBound) {  // Plotly keeps handlers across react(); bind once
          chart._clickBound = true;
          chart.on("plotly_click", function (data) {
            var pt = data && data.points && data.points[0];
            if (pt && pt.customdata) openEvent(pt.customdata);
          });
        }
        chart.dataset.count = String(events.length);
        chart.dataset.state = "ready";
        statusEl.textContent = (events.length < result.total
          ? "Showing the first " + events.length + " of " + plural(result.total, "event")
          : "Showing " + plural(events.length, "event")) +
          (chart._view.outside ? " (" + chart._view.outside + " outside the first view: use “all” or the slider below)" : "") +
          ". Hover for details, click for sources, drag to zoom, double-click to reset.";
      });
    }).catch(function (err) {
      if (err && err.message === "superseded") return;
      chart.dataset.state = "error";
      statusEl.textContent = "Could not load events: " + (err && err.message ? err.message : err);
    }).finally(function () {
      if (seq === requestSeq) chart.removeAttribute("aria-busy");
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function resizeSoon() {  // after the browser has laid out the narrower/wider chart card
    window.requestAnimationFrame(function () {
      if (chart.dataset.state === "ready") Plotly.Plots.resize(chart);
    });
  }

  function showPanel(nodes) {
    panelBody.textContent = "";
    nodes.forEach(function (n) { panelBody.appendChild(n); });
    var wasHidden = panel.hidden;
    panel.hidden = false;
    if (wasHidden) resizeSoon();
  }

  function closePanel() {
    if (panel.hidden) return;
    panel.hidden = true;
    resizeSoon();
  }

  function openEvent(id) {
    showPanel([el("p", "hint", "Loading…")]);
    fetch(chart.dataset.eventApi.replace("__ID__", encodeURIComponent(id)), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (!body.ok) throw new Error(body.error);
        var e = body.event;
        var nodes = [el("h2", null, e.title)];
        if (e.summary && e.summary.length) {
          var summary = el("ul", "summary");
          summary.setAttribute("aria-label", "Summary");
          e.summary.forEach(function (s) { summary.appendChild(el("li", null, s)); });
          nodes.push(summary);
        }
        var facts = el("p", "facts");
        facts.append(el("strong", null, e.date_label), " · " + e.precision + " · " + e.kind + " · " +
          plural(e.n_sources, "source"));
        nodes.push(facts);
        if (e.date_text) nodes.push(el("p", "as-written", "As written: “" + e.date_text + "”"));
        if (e.entities && e.entities.length) {
          var ents = el("ul", "entities");
          e.entities.forEach(function (n) {
            var li = el("li", "entity " + n.kind, n.name);
            li.title = n.kind;
            ents.appendChild(li);
          });
          nodes.push(ents);
        }
        nodes.push(el("h3", null, "Supporting sentences (" + e.mentions.length + ")"));
        var list = el("ol", "mentions");
        e.mentions.forEach(function (m) {
          var li = el("li", "mention");
          li.appendChild(el("blockquote", null, m.sentence));
          var meta = el("p", "meta");
          meta.append(m.source || "unknown source");
          if (m.published_at) meta.append(", published " + m.published_at.slice(0, 10));
          if (m.article_url) {
            var a = el("a", null, m.article_title || "read the article");
            a.href = m.article_url;
            a.target = "_blank";
            a.rel = "noopener noreferrer";
            meta.append(" · ", a);
          }
          li.appendChild(meta);
          list.appendChild(li);
        });
        nodes.push(list);
        var more = el("a", "more", "Open the event page");
        more.href = chart.dataset.eventPage.replace("__ID__", encodeURIComponent(e.id));
        var moreP = el("p");
        moreP.appendChild(more);
        nodes.push(moreP);
        showPanel(nodes);
        panel.focus({ preventScroll: true });
      })
      .catch(function (err) {
        showPanel([el("p", "error", "Could not load this event: " + (err && err.message ? err.message : err))]);
      });
  }

  if (typeof Plotly === "undefined") {
    statusEl.textContent = "The chart library did not load; the list below has every event.";
    return;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var params = filterParams(true);
    var qs = params.toString();
    history.replaceState(null, "", qs ? "?" + qs : location.pathname);
    updateViewLinks(params);
    load();
  });
  form.querySelectorAll("select, input[type=checkbox], input[type=date]").forEach(function (input) {
    input.addEventListener("change", function () { form.requestSubmit(); });
  });
  document.getElementById("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") closePanel(); });

  load();
})();
