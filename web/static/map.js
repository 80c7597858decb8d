/*
 * The dashboard's map view: fetches /api/places with the page's filters (its query string,
 * which the filter form writes) and draws each placed place once on a Plotly world map
 * (scattergeo): countries at their own centre by ISO-3 code, US states by their code, cities
 * and regions at their latitude and longitude. A circle's area grows with the number of events
 * naming the place; hovering shows its name and count, clicking opens the chart view filtered
 * by it. The outlines come from the app itself (`topojsonURL`: plotly.js fetches
 * topojsonURL + "world_50m.json"), never from a CDN.
 * It does not count or place anything (the server does), and it does not replace the list
 * under the map, which has every place with its links for readers without script or mouse.
 * Place names come from articles: they reach Plotly's labels escaped, never as HTML.
 */
(function () {
  "use strict";

  var map = document.getElementById("map");
  if (!map) return;
  var statusEl = document.getElementById("map-status");

  var MIN_SIZE = 7;    // px: a place named by one event
  var MAX_SIZE = 46;   // px: the most eventful place, on a wide map (a 20th of its width)
  var TRACES = [
    { kind: "country", name: "Countries", color: "#1d4ed8", locationmode: "ISO-3", field: "iso3" },
    { kind: "state", name: "US states", color: "#7c3aed", locationmode: "USA-states", field: "state" },
    { kind: "point", name: "Cities and regions", color: "#c2410c" }
  ];

  function esc(text) {
    return String(text == null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function setStatus(text) { if (statusEl) statusEl.textContent = text; }

  /* The page's filters, for the API (the view is the page's own). */
  function filterParams() {
    var params = new URLSearchParams(location.search);
    params.delete("view");
    return params;
  }

  /* The chart view with this page's filters, narrowed to one place's events. */
  function chartUrl(name) {
    var params = filterParams();
    params.set("view", "chart");
    params.set("entity", name);
    return map.dataset.chart + "?" + params.toString();
  }

  function traceKind(location) {
    if (location.iso3) return "country";
    if (location.state) return "state";
    return "point";
  }

  function traces(places) {
    var most = places.reduce(function (m, p) { return Math.max(m, p.count); }, 1);
    var largest = Math.max(MIN_SIZE * 2.5, Math.min(MAX_SIZE, map.clientWidth / 20));
    return TRACES.map(function (spec) {
      var mine = places.filter(function (p) { return traceKind(p.location) === spec.kind; });
      var trace = {
        type: "scattergeo", mode: "markers", name: spec.name,
        customdata: mine.map(function (p) { return p.name; }),
        text: mine.map(function (p) {
          return "<b>" + esc(p.name) + "</b><br>" + plural(p.count, "event");
        }),
        hoverinfo: "text",
        marker: {
          // sqrt: the circle's area, not its width, follows the count
          size: mine.map(function (p) {
            return MIN_SIZE + (largest - MIN_SIZE) * Math.sqrt((p.count - 1) / Math.max(most - 1, 1));
          }),
          sizemode: "diameter", color: spec.color, opacity: 0.7,
          line: { color: "#ffffff", width: 1 }
        }
      };
      if (spec.locationmode) {
        trace.locationmode = spec.locationmode;
        trace.locations = mine.map(function (p) { return p.location[spec.field]; });
      } else {
        trace.lat = mine.map(function (p) { return p.location.lat; });
        trace.lon = mine.map(function (p) { return p.location.lon; });
      }
      return trace;
    }).filter(function (t) { return t.customdata.length > 0; });
  }

  function layout() {
    return {
      margin: { l: 0, r: 0, t: 0, b: 0 },
      paper_bgcolor: "rgba(0,0,0,0)",
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 0, yanchor: "top", bgcolor: "rgba(255,255,255,0.8)" },
      geo: {
        scope: "world", resolution: 50,  // 1:50m: small countries (Qatar, Malta) have outlines
        projection: { type: "natural earth" },
        fitbounds: "locations",
        showland: true, landcolor: "#f1f5f9",
        showocean: true, oceancolor: "#e0f2fe",
        showcountries: true, countrycolor: "#94a3b8",
        showcoastlines: true, coastlinecolor: "#94a3b8",
        showframe: false, bgcolor: "rgba(0,0,0,0)"
      }
    };
  }

  var CONFIG = {
    topojsonURL: map.dataset.topojson,  // the app's own /topojson/, with its trailing slash
    responsive: true, displaylogo: false, scrollZoom: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d"],
    toImageButtonOptions: { filename: "places" }
  };

  function draw(body) {
    var placed = body.places.length;
    if (!placed) {
      map.dataset.state = "empty";
      map.dataset.count = "0";
      map.hidden = true;
      return Promise.resolve();
    }
    return Plotly.newPlot(map, traces(body.places), layout(), CONFIG).then(function () {
      map.dataset.count = String(placed);
      map.dataset.state = "ready";
      map.on("plotly_click", function (data) {
        var point = data && data.points && data.points[0];
        if (point && point.customdata != null) location.assign(chartUrl(String(point.customdata)));
      });
    });
  }

  map.dataset.state = "loading";
  if (!window.Plotly) {
    map.dataset.state = "error";
    setStatus("The map library did not load; the list below has every place.");
    return;
  }
  var params = filterParams().toString();
  fetch(map.dataset.api + (params ? "?" + params : ""), { headers: { Accept: "application/json" } })
    .then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok || !body.ok) throw new Error(body.error || ("HTTP " + r.status));
        return body;
      });
    })
    .then(draw)
    .catch(function (err) {
      map.dataset.state = "error";
      map.hidden = true;
      setStatus("Could not draw the map (" + (err && err.message ? err.message : err) +
                "); the list below has every place.");
    });
})();
