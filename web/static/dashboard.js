/*
 * The chart view's interactive timeline: fetches events from the JSON API (following `next`
 * cursors), draws them with Plotly (lanes by kind, or by the filter's busiest people and places,
 * an event drawn in the lane of each of its own; day-dated events as points sized by sources;
 * events known only to a week, month, year... as bars spanning their period; "reported" events
 * hollow), shows each event's headline and first summary sentence on hover and in the list, and
 * opens a side panel with its summary and supporting sentences on click.
 * It does not compute dates, labels or the key events: `date_label`, `summary` and the `key=1`
 * selection come from the server, so a month stays "March 2025" and the key events are the
 * story view's. The story view itself needs no script. Everything user-written is inserted as
 * text, never as HTML.
 *
 * The page's URL holds the whole view, so it can be shared and Back/Forward move through it:
 * the filters (the form's fields, `view=chart`, `lanes=entity`), the range shown (`shown_from`/`shown_to`,
 * ISO date-times to the minute; absent: the first view chosen by `focusWindow`) and the event
 * whose panel is open (`event`). Each change (filters applied, zoom or pan settled, an event
 * opened or its panel closed) is one `history.pushState` entry; `popstate` restores the view
 * from the URL without reloading the page. Under the chart, "Events in view" lists the events
 * inside the range shown as buttons, so the keyboard reaches what the mouse hovers and clicks.
 */
(function () {
  "use strict";

  var chart = document.getElementById("timeline");
  var form = document.getElementById("filters");
  if (!chart || !form) return;

  /* Plotly (4.6 MB) loads after this script (both deferred) and takes a second to start, so
     the first requests go out before it is ready: the data and the library arrive together. */
  var plotlyFailed = false;
  var plotlyReady = new Promise(function (resolve, reject) {
    if (window.Plotly) { resolve(); return; }
    var tag = document.getElementById("plotly-js");
    if (!tag) { reject(new Error("no chart library on this page")); return; }
    tag.addEventListener("load", function () {
      window.__trackerPlotlyReady = performance.now();  // for the browser benchmark
      if (window.Plotly) resolve(); else reject(new Error("the chart library did not start"));
    });
    tag.addEventListener("error", function () { reject(new Error("the chart library did not load")); });
  });
  // The overview strip is drawn once the chart has settled (drawn, empty or failed): the chart
  // is what the reader came for, and both drawings at once would delay it.
  var settleChart;
  var chartSettled = new Promise(function (resolve) { settleChart = resolve; });
  var statusEl = document.getElementById("status");
  var listEl = document.getElementById("event-list");
  var listNote = document.getElementById("list-note");
  var panel = document.getElementById("panel");
  var panelBody = document.getElementById("panel-body");
  var panelClose = document.getElementById("panel-close");
  var inViewList = document.getElementById("in-view-list");
  var inViewNote = document.getElementById("in-view-note");

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
  var ENTITY_COLORS = { person: "#475569", place: "#0f766e" };  // density lanes by entity
  var ENTITY_LANE_KINDS = { person: true, place: true };
  var ENTITY_LANES = 12;        // as many as /api/aggregate?group=entity gives
  var OTHER_LANE = "\u0000others";  // no entity id looks like this
  var LABEL_CHARS = 11;         // a lane label that fits the chart's left margin
  var IN_VIEW_SIZE = 100;
  var RELAYOUT_SETTLE_MS = 400;  // a zoom or slider drag settles before it becomes history
  var STATE_KEYS = ["shown_from", "shown_to", "event"];  // in the URL, not filters
  // At most this many events in view are drawn one by one; more are drawn as a density band
  // (counts per period and kind from /api/aggregate). A benchmark may set the global first.
  var DETAIL_MAX = window.__trackerDetailMax || 3000;
  var GL_MIN = 1000;          // more points than this: WebGL markers (scattergl)
  var DATA_SETTLE_MS = 120;   // a zoom settles before the data for its range is asked for
  var overviewEl = document.getElementById("overview");
  var controller = null;      // aborts the requests of a view no longer wanted
  var mode = null;            // "all": every event loaded; "range": those of loadedRange; "density"
  var loadedRange = null;     // the days whose events are loaded ("range" mode), ms
  var drawnRange = null;      // the range the density band was counted for
  var dataTimer = null;
  var overviewKey = null;     // the min_confidence the overview strip was drawn for
  var overviewResetting = false;
  var renders = 0;
  var requestSeq = 0;
  var selectedId = null;     // the event whose panel is open (or loading)
  var loadedFilters = null;  // the API query string of the events drawn
  var loadedLanes = null;    // what their lanes are cut by
  var opener = null;         // what to focus again when the panel closes
  var relayoutTimer = null;

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
      if ((key === "view" || key === "lanes") && !withView) return;
      if (key === "lanes" && value === "kind") return;  // the default says nothing
      if (String(value).trim() !== "") params.set(key, String(value).trim());
    });
    return params;
  }

  /* The Story/Chart/Map links keep the filters chosen since the page loaded. */
  function updateViewLinks(params) {
    document.querySelectorAll(".view-switch a[data-view]").forEach(function (a) {
      var q = new URLSearchParams(params);
      q.delete("view");
      STATE_KEYS.forEach(function (k) { q.delete(k); });
      if (a.dataset.view === "chart" || a.dataset.view === "map") q.set("view", a.dataset.view);
      if (a.dataset.view !== "chart") q.delete("lanes");  // a chart's setting only
      var qs = q.toString();
      a.href = location.pathname + (qs ? "?" + qs : "");
    });
  }

  /* ---- the view in the URL ---- */

  function urlParams() { return new URLSearchParams(location.search); }

  /* A date as Plotly or the URL writes it ("2025-05-10", "2025-05-10 06:32:11.5",
     "2025-05-10T06:32") in ms since the epoch, UTC like Plotly's date axes; NaN otherwise. */
  function toMs(v) {
    if (typeof v === "number") return v;
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2})(?::(\d{2})(?::(\d{2}(?:\.\d+)?))?)?)?$/
      .exec(String(v == null ? "" : v).trim());
    if (!m) return NaN;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0)) +
      Math.round(parseFloat(m[6] || "0") * 1000);
  }

  function toMinute(ms) {  // "2025-05-10T06:32", as the URL keeps it
    return new Date(Math.round(ms / 60000) * 60000).toISOString().slice(0, 16);
  }

  function sameRange(a, b) {
    return toMinute(a[0]) === toMinute(b[0]) && toMinute(a[1]) === toMinute(b[1]);
  }

  /* The range the URL asks to show, or null (then the first view is ours to choose). */
  function shownRange(params) {
    var a = toMs(params.get("shown_from")), b = toMs(params.get("shown_to"));
    return isFinite(a) && isFinite(b) && a < b ? [a, b] : null;
  }

  function currentRange() {
    var xa = chart._fullLayout && chart._fullLayout.xaxis;
    if (!xa || !xa.range) return null;
    var r = xa.range.map(function (v) { var ms = toMs(v); return isFinite(ms) ? ms : xa.r2c(v); });
    return isFinite(r[0]) && isFinite(r[1]) ? r : null;
  }

  function defaultRange() { return [chart._view.from, chart._view.to]; }

  function sortedQuery(params) {
    var q = new URLSearchParams(params);
    q.sort();
    return q.toString();
  }

  /* One history entry for a new view (none when the URL would not change). */
  function pushView(params) {
    if (sortedQuery(params) === sortedQuery(urlParams())) return;
    var qs = params.toString();
    history.pushState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  /* The URL's view with some of its state changed (null removes a key). */
  function pushChange(changes) {
    var params = urlParams();
    Object.keys(changes).forEach(function (k) {
      if (changes[k] == null) params.delete(k); else params.set(k, changes[k]);
    });
    pushView(params);
  }

  /* The filter form as a URL says it (after Back/Forward). */
  function setForm(params) {
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.name === "view") return;
      var v = params.get(input.name);
      if (input.type === "checkbox") {
        input.checked = v != null && (v === input.value ||
          (input.name === "key" && ["1", "on", "true", "yes"].indexOf(v) >= 0));
      } else if (input.tagName === "SELECT") {
        input.value = v == null ? input.options[0].value : v;
        if (input.selectedIndex < 0) input.selectedIndex = 0;  // a value it does not offer
      } else if (input.type !== "submit" && input.type !== "button") {
        input.value = v == null ? "" : v;
      }
    });
  }

  /* Where an event's mark is on the time axis: points at noon of their day, bars' middle. */
  function markMs(e) {
    if (POINT_PRECISIONS[e.precision]) return dayMs(e.date_start) + DAY_MS / 2;
    return (dayMs(e.date_start) + dayMs(e.date_end) + DAY_MS) / 2;
  }

  function firstSentence(e) {
    return e.summary && e.summary.length ? e.summary[0] : "";
  }

  /* Counts per period as fine as the plot has room for: a bar of at least BAR_PX pixels per
     period (a year on a laptop is counted per week, not per day), so the band stays quick to
     draw and legible. */
  var BAR_PX = 5;
  function aggregateUrl(api, params, el) {
    var q = new URLSearchParams(params);
    if (api === chart.dataset.aggregateApi && lanesBy() === "entity") q.set("group", "entity");
    var width = Math.max(200, ((el && el.clientWidth) || 1000) - 112);  // less the margins
    q.set("max_buckets", String(Math.max(20, Math.min(400, Math.floor(width / BAR_PX)))));
    return api + "?" + q.toString();
  }

  function getJSON(url, signal) {
    return fetch(url, { headers: { Accept: "application/json" }, signal: signal })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.ok) throw new Error(body.error || ("HTTP " + r.status));
          return body;
        });
      });
  }

  function fetchAll(params, seq, signal, limit) {
    var events = [], total = null;  // the first page counts the events, later ones do not
    function page(after) {
      var q = new URLSearchParams(params);
      q.set("limit", String(limit || PAGE_SIZE));
      if (after) q.set("after", after);
      return getJSON(chart.dataset.api + "?" + q.toString(), signal)
        .then(function (body) {
          if (seq !== requestSeq) throw new Error("superseded");
          events = events.concat(body.events);
          if (total == null) total = body.total;
          if (body.next && !limit && events.length < MAX_EVENTS) return page(body.next);
          return { events: events, total: total };
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

  /* How the lanes are cut: "kind" (the default) or "entity" (the people and places of the
     filter), from the form. */
  function lanesBy() {
    var select = form.elements.namedItem("lanes");
    return select && select.value === "entity" ? "entity" : "kind";
  }

  /* A lane's label fits the chart's margin: a person's surname when the whole name is long. */
  function laneLabel(name, kind) {
    name = String(name);
    if (name.length <= LABEL_CHARS) return name;
    var words = name.split(/\s+/);
    if (kind === "person" && words[words.length - 1].length <= LABEL_CHARS) return words[words.length - 1];
    return name.slice(0, LABEL_CHARS - 1) + "…";
  }

  /* Each kind's colour, the busiest kind first, whatever the lanes are cut by. */
  function kindColors(events) {
    var counts = {};
    events.forEach(function (e) { counts[e.kind] = (counts[e.kind] || 0) + 1; });
    var colorOf = {};
    Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || (a < b ? -1 : 1);
    }).forEach(function (kind, i) { colorOf[kind] = kindColor(kind, i); });
    return colorOf;
  }

  /* The people and places the lanes are for: the filter's busiest, as the server counted them
     for the whole filter (so zooming keeps the lanes), else counted over `events`. */
  function entityLaneList(events) {
    var agg = chart._filterAgg;
    if (agg && agg.group === "entity" && agg.entities) return agg.entities;
    var counts = {}, info = {};
    events.forEach(function (e) {
      (e.entities || []).forEach(function (n) {
        if (!ENTITY_LANE_KINDS[n.kind]) return;
        counts[n.id] = (counts[n.id] || 0) + 1;
        info[n.id] = n;
      });
    });
    return Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || (info[a].name < info[b].name ? -1 : 1);
    }).slice(0, ENTITY_LANES).map(function (id) { return info[id]; });
  }

  /* The lanes in order ({key, label}) and the lanes an event is drawn in (`of`): its kind's,
     or each of its people and places that has a lane ("others" when none has). */
  function laneSpec(events, colorOf) {
    if (lanesBy() !== "entity") {
      return {
        lanes: Object.keys(colorOf).map(function (kind) { return { key: kind, label: kind }; }),
        of: function (e) { return [e.kind]; }
      };
    }
    var chosen = entityLaneList(events), known = {};
    chosen.forEach(function (n) { known[n.id] = true; });
    var lanes = chosen.map(function (n) { return { key: n.id, label: laneLabel(n.name, n.kind) }; });
    lanes.push({ key: OTHER_LANE, label: "others" });
    return {
      lanes: lanes,
      of: function (e) {
        var keys = (e.entities || []).filter(function (n) { return known[n.id]; })
          .map(function (n) { return n.id; });
        return keys.length ? keys : [OTHER_LANE];
      }
    };
  }

  /* Lanes by kind (busiest first) or by person and place; inside a lane, events are packed
     into rows so that two events close in time (at the scale first shown) never sit on top of
     each other. An event of two people with lanes is drawn in both: `marks` holds one mark per
     (event, lane), each reading its event's fields through its prototype. */
  function layout(events, view) {
    var colorOf = kindColors(events);
    var spec = laneSpec(events, colorOf);
    var members = {};
    spec.lanes.forEach(function (l) { members[l.key] = []; });
    events.forEach(function (e) {
      spec.of(e).forEach(function (key) { if (members[key]) members[key].push(e); });
    });
    var gap = Math.max(DAY_MS / 2, (view.to - view.from) / 90);
    var maxRows = events.length > 1500 ? 5 : 8;
    var lanes = [], marks = [], y = 0;
    spec.lanes.forEach(function (l) {
      var inLane = members[l.key];
      if (!inLane.length) return;
      inLane.sort(function (a, b) { return dayMs(a.date_start) - dayMs(b.date_start); });
      var rowEnds = [];
      inLane.forEach(function (e) {
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
        var mark = Object.create(e);
        mark._y = y + row;
        marks.push(mark);
      });
      var rows = Math.max(1, rowEnds.length);
      lanes.push({ key: l.key, label: l.label, from: y - 0.5, to: y + rows - 0.5,
                   center: y + (rows - 1) / 2, count: inLane.length });
      y += rows + 0.6;
    });
    return { lanes: lanes, marks: marks, colorOf: colorOf, rows: y };
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

  function traces(events, colorOf) {
    var bars = events.filter(function (e) { return !POINT_PRECISIONS[e.precision]; });
    var dated = events.filter(function (e) { return e.precision === "day" || e.precision === "time"; });
    var reported = events.filter(function (e) { return e.precision === "reported"; });
    var dense = events.length > 1000;  // smaller marks when thousands share the width
    var pointType = dated.length + reported.length > GL_MIN ? "scattergl" : "scatter";
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
        type: pointType, mode: "markers", name: "dated",
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
        type: pointType, mode: "markers", name: "reported",
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

  function iso(ms) { return new Date(ms).toISOString(); }

  /* The layout both drawings share: a date axis with the range buttons, lanes on the y axis. */
  function chartLayout(height, range, shapes, lanes, rows) {
    return {
      height: height,
      margin: { l: 96, r: 16, t: 40, b: 28 },
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
        range: [iso(range[0]), iso(range[1])],
        showgrid: true, gridcolor: "#e5e7eb", zeroline: false,
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
        autorange: false, range: [Math.max(rows - 0.35, 4), -0.75], fixedrange: true, zeroline: false, showgrid: false,
        tickmode: "array",
        tickvals: lanes.map(function (l) { return l.center; }),
        ticktext: lanes.map(function (l) { return "<b>" + esc(l.label) + "</b>"; }),
        ticks: "", ticklen: 0
      }
    };
  }

  var PLOT_CONFIG = {
    responsive: true, displaylogo: false, scrollZoom: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
    toImageButtonOptions: { filename: "timeline" }
  };

  function laneShapes(lanes) {
    return lanes.map(function (l, i) {
      return {
        type: "rect", xref: "paper", x0: 0, x1: 1, yref: "y", y0: l.from - 0.25, y1: l.to + 0.25,
        fillcolor: i % 2 ? "#ffffff" : "#f3f5f8", line: { width: 0 }, layer: "below"
      };
    });
  }

  /* Every event as a mark: `view` is the extent the lanes are packed for, `range` the range
     shown. */
  function drawEvents(events, view, range) {
    var geo = layout(events, { from: range[0], to: range[1] });
    var height = Math.max(380, Math.min(640, 150 + geo.rows * 17));
    chart.style.height = height + "px";  // the card must grow with the plot
    chart.dataset.mode = mode;
    drawnRange = range;
    chart.dataset.lanes = lanesBy();
    return Plotly.react(chart, traces(geo.marks, geo.colorOf),
      chartLayout(height, range, laneShapes(geo.lanes), geo.lanes, geo.rows), PLOT_CONFIG);
  }

  /* The first view of every event of the filter (all loaded). */
  function draw(events, params, shown) {
    var view = focusWindow(events, params);
    chart._view = view;
    return drawEvents(events, view, shown || [view.from, view.to]);
  }

  function periodLabel(b, bucket) {
    var s = new Date(dayMs(b.start)), opts = { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" };
    if (bucket === "month") return s.toLocaleDateString("en-GB", { timeZone: "UTC", month: "long", year: "numeric" });
    if (bucket === "day") return s.toLocaleDateString("en-GB", opts);
    return "week of " + s.toLocaleDateString("en-GB", opts) + " – " +
      new Date(dayMs(b.end)).toLocaleDateString("en-GB", opts);
  }

  /* The density band's lanes, the same through every zoom of one filter: its kinds, or the
     people and places the server counted for it ({key, label, title, color}). */
  function densityLanes() {
    var whole = chart._filterAgg || {};
    if (whole.group === "entity") {
      return (whole.entities || []).map(function (n) {
        return { key: n.id, label: laneLabel(n.name, n.kind), title: n.name,
                 color: ENTITY_COLORS[n.kind] || "#6b7280" };
      });
    }
    return (whole.kinds || []).map(function (kind, i) {
      return { key: kind, label: kind, title: kind, color: kindColor(kind, i) };
    });
  }

  /* Too many events in view: per lane (a kind, or a person or place), a bar per period as tall
     as its count (relative to the lane's busiest period), hover telling the count, the period
     and the lane; a click on a bar zooms into its period. */
  function drawDensity(agg, order, range) {
    var LANE = 1.3;
    var lanes = order.map(function (l, i) {
      return { key: l.key, label: l.label, title: l.title, color: l.color,
               from: i * LANE - 0.5, to: i * LANE + 0.5, center: i * LANE };
    });
    var rows = lanes.length ? (lanes.length - 1) * LANE + 1 : 1;
    var laneOf = agg.group === "entity" ? "entity" : "kind";
    var byLane = {};
    agg.buckets.forEach(function (b) { (byLane[b[laneOf]] = byLane[b[laneOf]] || []).push(b); });
    var data = lanes.map(function (l) {
      var bs = byLane[l.key] || [];
      var top = Math.max.apply(null, bs.map(function (b) { return b.count; }).concat([1]));
      return {
        type: "bar", name: "density", orientation: "v",
        x: bs.map(function (b) { return (dayMs(b.start) + dayMs(b.end) + DAY_MS) / 2; }),
        width: bs.map(function (b) { return (dayMs(b.end) + DAY_MS - dayMs(b.start)) * 0.92; }),
        base: bs.map(function () { return l.center + 0.45; }),
        y: bs.map(function (b) { return -0.9 * Math.max(0.06, Math.sqrt(b.count / top)); }),
        hovertext: bs.map(function (b) {
          return "<b>" + plural(b.count, "event") + "</b><br>" + esc(periodLabel(b, agg.bucket)) +
            "<br>" + esc(l.title);
        }),
        hovertemplate: "%{hovertext}<extra></extra>",
        marker: { color: l.color, opacity: 0.75 }
      };
    });
    var height = Math.max(380, Math.min(560, 120 + lanes.length * 56));
    chart.style.height = height + "px";
    chart.dataset.mode = "density";
    chart.dataset.lanes = laneOf;
    drawnRange = range;
    var spec = chartLayout(height, range, laneShapes(lanes), lanes, rows);
    spec.xaxis.type = "date";
    return Plotly.react(chart, data, spec, PLOT_CONFIG);
  }

  /* ---- the overview strip: the whole timeline, the range shown highlighted ---- */

  function highlightShape(r) {
    return { type: "rect", xref: "x", yref: "paper", x0: iso(r[0]), x1: iso(r[1]), y0: 0, y1: 1,
             fillcolor: "rgba(37, 99, 235, 0.14)", line: { color: "#2563eb", width: 1.5 } };
  }

  function updateOverview() {
    if (!overviewEl || !overviewEl._span) return;
    var r = currentRange();
    if (!r) return;
    Plotly.relayout(overviewEl, { shapes: [highlightShape(r)] });
  }

  function drawOverview(doc) {
    if (!overviewEl) return;
    if (!doc.total) { Plotly.purge(overviewEl); overviewEl._span = null; overviewEl.hidden = true; return; }
    overviewEl.hidden = false;
    var totals = {}, order = [];
    doc.buckets.forEach(function (b) {
      if (!(b.start in totals)) { totals[b.start] = { start: b.start, end: b.end, count: 0 }; order.push(b.start); }
      totals[b.start].count += b.count;
    });
    var bs = order.map(function (k) { return totals[k]; });
    var span = [dayMs(doc.from), dayMs(doc.to) + DAY_MS];
    overviewEl._span = span;
    var r = currentRange() || span;
    var data = [{
      type: "bar", name: "overview",
      x: bs.map(function (b) { return (dayMs(b.start) + dayMs(b.end) + DAY_MS) / 2; }),
      width: bs.map(function (b) { return dayMs(b.end) + DAY_MS - dayMs(b.start); }),
      y: bs.map(function (b) { return b.count; }),
      hovertext: bs.map(function (b) { return plural(b.count, "event") + "<br>" + esc(periodLabel(b, doc.bucket)); }),
      hovertemplate: "%{hovertext}<extra></extra>",
      marker: { color: "#64748b", opacity: 0.7 }
    }];
    var spec = {
      height: 84, margin: { l: 96, r: 16, t: 4, b: 22 }, showlegend: false, dragmode: "zoom",
      plot_bgcolor: "#f9fafb", paper_bgcolor: "#ffffff", bargap: 0,
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 11, color: "#4b5563" },
      xaxis: { type: "date", range: [iso(span[0]), iso(span[1])], showgrid: false, zeroline: false },
      yaxis: { fixedrange: true, visible: false, rangemode: "tozero" },
      shapes: [highlightShape(r)]
    };
    Plotly.react(overviewEl, data, spec, { responsive: true, displayModeBar: false }).then(function () {
      overviewEl.dataset.state = "ready";
      if (overviewEl._bound) return;
      overviewEl._bound = true;
      overviewEl.on("plotly_relayout", function (update) {
        if (overviewResetting) return;
        var a = update["xaxis.range[0]"], b = update["xaxis.range[1]"];
        if (a == null && update["xaxis.range"]) { a = update["xaxis.range"][0]; b = update["xaxis.range"][1]; }
        var picked = a != null ? [toMs(a), toMs(b)] : (update["xaxis.autorange"] ? defaultRange() : null);
        if (!picked || !isFinite(picked[0]) || !isFinite(picked[1])) return;
        // the strip keeps showing everything; the main chart shows what was picked
        overviewResetting = true;
        Plotly.relayout(overviewEl, { "xaxis.range": [iso(overviewEl._span[0]), iso(overviewEl._span[1])] })
          .then(function () { overviewResetting = false; showRange(picked); });
      });
      overviewEl.on("plotly_click", function (data) {  // a click centres the range shown there
        var pt = data && data.points && data.points[0], r = currentRange();
        if (!pt || !r) return;
        var c = toMs(pt.x), w = r[1] - r[0];
        showRange([c - w / 2, c + w / 2]);
      });
    });
  }

  function loadOverview(params) {
    if (!overviewEl) return;
    var mc = params.get("min_confidence") || "";
    if (overviewKey === mc) return;
    overviewKey = mc;
    Promise.all([getJSON(aggregateUrl(chart.dataset.overviewApi, mc ? { min_confidence: mc } : {}, overviewEl)),
                 plotlyReady, chartSettled])
      .then(function (answers) { drawOverview(answers[0]); })
      .catch(function () { overviewKey = null; });
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

  /* "Events in view": the events whose marks are inside the range shown, as buttons that open
     the panel (the keyboard's way to the chart's points). */
  function renderInView() {
    if (!inViewList) return;
    var events = window.timelineEvents || [];
    var r = chart.dataset.state === "ready" ? currentRange() : null;
    if (mode === "density") {
      inViewList.textContent = "";
      inViewNote.textContent = plural(+chart.dataset.total || 0, "event") +
        " in the range shown: zoom in to list them one by one.";
      return;
    }
    var inView = r ? events.filter(function (e) {
      var x = markMs(e);
      return x > r[0] && x < r[1];
    }) : [];
    inView.sort(function (a, b) { return markMs(a) - markMs(b); });
    inViewList.textContent = "";
    inView.slice(0, IN_VIEW_SIZE).forEach(function (e) {
      var li = document.createElement("li");
      var button = el("button", "in-view-event");
      button.type = "button";
      button.dataset.eventId = e.id;
      button.append(el("span", "when", e.date_label), " ", el("span", "what", e.title));
      if (e.id === selectedId) button.setAttribute("aria-current", "true");
      li.appendChild(button);
      inViewList.appendChild(li);
    });
    inViewNote.textContent = !inView.length
      ? (events.length ? "No event in the range shown: zoom out, or use “all”." : "No events.")
      : inView.length > IN_VIEW_SIZE
        ? "The first " + IN_VIEW_SIZE + " of " + plural(inView.length, "event") + " in the range shown."
        : plural(inView.length, "event") + " in the range shown; each opens its details.";
  }

  var inViewTimer = null;
  function renderInViewSoon() {
    window.clearTimeout(inViewTimer);
    inViewTimer = window.setTimeout(renderInView, 120);
  }

  /* A zoom, pan, slider drag or range button, once settled, is one history entry (a range
     back to the first view leaves the URL without one). */
  function rangeSettled() {
    relayoutTimer = null;
    if (chart.dataset.state !== "ready") return;
    var r = currentRange();
    if (!r) return;
    var wanted = shownRange(urlParams()) || defaultRange();
    if (sameRange(r, wanted)) return;
    var isDefault = sameRange(r, defaultRange());
    pushChange({ shown_from: isDefault ? null : toMinute(r[0]),
                 shown_to: isDefault ? null : toMinute(r[1]) });
  }

  function onRelayout(update) {
    renderInViewSoon();
    var keys = Object.keys(update || {});
    var touchesX = keys.some(function (k) { return k.indexOf("xaxis") === 0; });
    if (!touchesX) return;  // a resize, not a new range
    if (update["xaxis.autorange"] && mode !== "all") {
      // "all" or a double-click: the whole span of the filter, not just what is loaded
      showRange(defaultRange());
      return;
    }
    updateOverview();
    window.clearTimeout(relayoutTimer);
    relayoutTimer = window.setTimeout(rangeSettled, RELAYOUT_SETTLE_MS);
    if (mode !== "all") {
      window.clearTimeout(dataTimer);
      dataTimer = window.setTimeout(checkRange, DATA_SETTLE_MS);
    }
  }

  function showRange(r) {
    var cur = currentRange();
    if (cur && sameRange(cur, r)) return;
    Plotly.relayout(chart, { "xaxis.range": [iso(r[0]), iso(r[1])] });
  }

  function dayOf(ms) { return new Date(ms).toISOString().slice(0, 10); }

  /* The filter narrowed to the days of `range` (both inclusive); null when nothing is left. */
  function rangeParams(params, range) {
    var q = new URLSearchParams(params);
    var from = dayOf(range[0]), to = dayOf(range[1] - 1);
    if (q.get("from") && q.get("from") > from) from = q.get("from");
    if (q.get("to") && q.get("to") < to) to = q.get("to");
    if (from > to) return null;
    q.set("from", from);
    q.set("to", to);
    return q;
  }

  function newRequest() {
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    return { seq: ++requestSeq, signal: controller ? controller.signal : undefined };
  }

  function superseded(err) {
    return err && (err.message === "superseded" || err.name === "AbortError");
  }

  /* After a drawing of new data (Plotly.react resolves once the plot is drawn, after its
     plotly_afterplot): the time it was drawn, for the browser benchmark. */
  function whenDrawn() {
    window.__trackerRendered = performance.now();
    chart.dataset.rendered = String(++renders);
    chart.dataset.state = "ready";
    chart.dataset.draws = String((+chart.dataset.draws || 0) + 1);
    renderInView();
    updateOverview();
  }

  /* The data for `range` of a filter with too many events to load: its count first, then the
     events themselves when few enough, else the density band. */
  function showData(params, range, req, known) {
    var q = rangeParams(params, range);
    var empty = { bucket: "day", total: 0, buckets: [], kinds: [] };
    var counted = known ? Promise.resolve(known)  // the filter's own counts: no second request
      : q ? getJSON(aggregateUrl(chart.dataset.aggregateApi, q, chart), req.signal)
        : Promise.resolve(empty);
    return counted.then(function (agg) {
      if (req.seq !== requestSeq) throw new Error("superseded");
      if (agg.total > 0 && agg.total <= DETAIL_MAX) {
        return fetchAll(q, req.seq, req.signal).then(function (result) {
          mode = "range";
          loadedRange = [dayMs(q.get("from")), dayMs(q.get("to")) + DAY_MS];
          window.timelineEvents = result.events;
          chart.dataset.count = String(result.events.length);
          chart.dataset.total = String(agg.total);
          return drawEvents(result.events, chart._view, range).then(function () {
            statusEl.textContent = plural(result.events.length, "event") + " in the range shown (of " +
              plural(chart._filterAgg.total, "event") + "). Hover for details, click for sources, " +
              "drag to zoom; the strip below shows the whole timeline.";
          });
        });
      }
      mode = "density";
      loadedRange = null;
      window.timelineEvents = [];
      chart.dataset.count = "0";
      chart.dataset.total = String(agg.total);
      return drawDensity(agg, densityLanes(), range).then(function () {
        statusEl.textContent = plural(agg.total, "event") + ": zoom in to see them one by one" +
          " (bars count the events per " + agg.bucket + " and " +
          (agg.group === "entity" ? "person or place" : "kind") + ").";
      });
    }).then(function () {
      if (req.seq !== requestSeq) return;
      whenDrawn();
    });
  }

  /* A zoom or pan settled: the data for the new range, unless it is already drawn. */
  function checkRange() {
    dataTimer = null;
    if (mode === "all" || chart.dataset.state !== "ready") return;
    var r = currentRange();
    if (!r) return;
    if (mode === "range" && loadedRange && r[0] >= loadedRange[0] && r[1] <= loadedRange[1]) return;
    if (mode === "density" && drawnRange && sameRange(r, drawnRange)) return;
    var req = newRequest();
    chart.setAttribute("aria-busy", "true");
    showData(filterParams(false), r, req).catch(function (err) {
      if (superseded(err)) return;
      statusEl.textContent = "Could not load events: " + (err && err.message ? err.message : err);
    }).finally(function () {
      if (req.seq === requestSeq) chart.removeAttribute("aria-busy");
    });
  }

  function bindChart() {
    if (chart._clickBound) return;  // Plotly keeps handlers across react(); bind once
    chart._clickBound = true;
    chart.on("plotly_click", function (data) {
      var pt = data && data.points && data.points[0];
      if (pt && pt.data && pt.data.name === "density") {  // a period's bar: zoom into it
        var mid = toMs(pt.x), half = pt.data.width[pt.pointIndex] / 0.92 / 2;
        if (isFinite(mid)) showRange([mid - half, mid + half]);
      } else if (pt && pt.customdata) {
        openEvent(pt.customdata, true, null);
      }
    });
    chart.on("plotly_relayout", onRelayout);
  }

  function load() {
    var req = newRequest(), seq = req.seq;
    window.clearTimeout(dataTimer);
    var params = filterParams(false);
    loadedFilters = params.toString();
    loadedLanes = lanesBy();
    chart.dataset.state = "loading";
    chart.setAttribute("aria-busy", "true");
    statusEl.textContent = "Loading events…";
    loadOverview(params);
    var shown = shownRange(urlParams());
    return Promise.all([
      getJSON(aggregateUrl(chart.dataset.aggregateApi, params, chart), req.signal), plotlyReady
    ]).then(function (answers) {
      var whole = answers[0];
      if (seq !== requestSeq) throw new Error("superseded");
      chart._filterAgg = whole;
      if (whole.total > DETAIL_MAX) return loadMany(params, whole, shown, req);
      return fetchAll(params, seq, req.signal).then(function (result) {
        return drawAll(params, result, shown);
      });
    }).catch(function (err) {
      if (superseded(err) || plotlyFailed) return;  // plotlyReady's handler said why
      chart.dataset.state = "error";
      statusEl.textContent = "Could not load events: " + (err && err.message ? err.message : err);
    }).finally(function () {
      if (seq === requestSeq) chart.removeAttribute("aria-busy");
      settleChart();
    });
  }

  /* Few enough events: all loaded and drawn, zooming needs no request. */
  function drawAll(params, result, shown) {
    var events = result.events;
    mode = "all";
    loadedRange = null;
    window.timelineEvents = events;
    suggestEntities(events);
    renderList(events, result.total);
    if (!events.length) {
      Plotly.purge(chart);
      chart._clickBound = false;  // purge drops event handlers
      chart.dataset.count = "0";
      chart.dataset.total = "0";
      chart.dataset.state = "empty";
      statusEl.textContent = "No events match these filters.";
      renderInView();
      return;
    }
    // the range the URL holds now (Back may have moved it while the events loaded)
    return draw(events, params, shownRange(urlParams()) || shown).then(function () {
      bindChart();
      chart.dataset.count = String(events.length);
      chart.dataset.total = String(result.total);
      whenDrawn();
      statusEl.textContent = (events.length < result.total
        ? "Showing the first " + events.length + " of " + plural(result.total, "event")
        : "Showing " + plural(events.length, "event")) +
        (chart._view.outside ? " (" + chart._view.outside + " outside the first view: use “all” or the strip below)" : "") +
        ". Hover for details, click for sources, drag to zoom, double-click to reset.";
    });
  }

  /* Too many events for the filter: the list shows the first page; the chart shows the range
     asked for (or the whole span) as events or as a density band. */
  function loadMany(params, whole, shown, req) {
    var span = [dayMs(whole.from), dayMs(whole.to) + DAY_MS];
    var pad = Math.max(DAY_MS, (span[1] - span[0]) * 0.01);
    chart._view = { from: span[0] - pad, to: span[1] + pad, lo: span[0], hi: span[1], outside: 0 };
    fetchAll(params, req.seq, req.signal, LIST_SIZE).then(function (result) {
      suggestEntities(result.events);
      renderList(result.events, whole.total);
    }).catch(function () { /* the chart reports errors */ });
    var asked = shownRange(urlParams()) || shown;
    return showData(params, asked || defaultRange(), req, asked ? null : whole)
      .then(function () { bindChart(); });
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

  function markSelected() {
    if (!inViewList) return;
    inViewList.querySelectorAll("button[data-event-id]").forEach(function (b) {
      if (b.dataset.eventId === selectedId) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
  }

  function showPanel(nodes) {
    panelBody.textContent = "";
    nodes.forEach(function (n) { panelBody.appendChild(n); });
    var wasHidden = panel.hidden;
    panel.hidden = false;
    if (wasHidden) resizeSoon();
  }

  /* Closes the panel; `push` makes it a history entry (not when Back/Forward closed it). */
  function closePanel(push) {
    var wasOpen = !panel.hidden || selectedId;
    selectedId = null;
    panelSeq++;
    markSelected();
    if (!wasOpen) return;
    panel.hidden = true;
    resizeSoon();
    if (push) pushChange({ event: null });
    var back = opener;
    opener = null;
    if (back && !document.contains(back) && back.dataset.eventId && inViewList) {
      // the list was drawn again meanwhile: its button for the same event
      back = Array.prototype.find.call(inViewList.querySelectorAll("button[data-event-id]"),
        function (b) { return b.dataset.eventId === back.dataset.eventId; }) || null;
    }
    if (push && back) back.focus();
  }

  var panelSeq = 0;

  /* Opens an event's panel; `push` makes it a history entry, `from` gets the focus back when
     the panel closes. */
  function openEvent(id, push, from) {
    var seq = ++panelSeq;
    selectedId = id;
    opener = from || null;
    markSelected();
    if (push) pushChange({ event: id });
    showPanel([el("p", "hint", "Loading…")]);
    fetch(chart.dataset.eventApi.replace("__ID__", encodeURIComponent(id)), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (seq !== panelSeq) return;  // another event was opened, or the panel closed
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
        panel.dataset.eventId = e.id;
        if (push) panel.focus({ preventScroll: true });
      })
      .catch(function (err) {
        if (seq !== panelSeq) return;
        showPanel([el("p", "error", "Could not load this event: " + (err && err.message ? err.message : err))]);
      });
  }

  /* Back/Forward: the view the URL holds, without leaving the page. */
  function restoreFromUrl() {
    window.clearTimeout(relayoutTimer);
    relayoutTimer = null;
    var params = urlParams();
    if (params.get("view") !== "chart") {  // not a chart view: let the server draw it
      location.reload();
      return;
    }
    setForm(params);
    updateViewLinks(filterParams(true));
    if (filterParams(false).toString() !== loadedFilters || lanesBy() !== loadedLanes) {
      load();  // draws the range the URL holds
    } else if (chart.dataset.state === "ready") {
      showRange(shownRange(params) || defaultRange());
    }
    var id = params.get("event");
    if (id && id !== selectedId) openEvent(id, false, null);
    else if (!id) closePanel(false);
  }

  form.addEventListener("submit", function (ev) {
    if (plotlyFailed) return;  // no chart: the server answers the form with its list
    ev.preventDefault();
    var params = filterParams(true);
    var before = urlParams();
    // the range shown stays, unless the dates asked for changed
    if ((before.get("from") || "") === (params.get("from") || "") &&
        (before.get("to") || "") === (params.get("to") || "")) {
      ["shown_from", "shown_to"].forEach(function (k) {
        if (before.get(k)) params.set(k, before.get(k));
      });
    }
    if (selectedId) params.set("event", selectedId);
    pushView(params);
    updateViewLinks(params);
    load();
  });
  form.querySelectorAll("select, input[type=checkbox], input[type=date]").forEach(function (input) {
    input.addEventListener("change", function () { form.requestSubmit(); });
  });
  panelClose.addEventListener("click", function () { closePanel(true); });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !panel.hidden) closePanel(true);
  });
  if (inViewList) {
    inViewList.addEventListener("click", function (ev) {
      var button = ev.target.closest("button[data-event-id]");
      if (button) openEvent(button.dataset.eventId, true, button);
    });
  }
  window.addEventListener("popstate", restoreFromUrl);

  plotlyReady.catch(function () {
    plotlyFailed = true;
    chart.dataset.state = "error";
    statusEl.textContent = "The chart library did not load; the list below has every event.";
  });
  updateViewLinks(filterParams(true));
  load();
  var shared = urlParams().get("event");  // a shared view: its event's panel open
  if (shared) openEvent(shared, false, null);
})();
