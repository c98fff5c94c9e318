// The petition statistics page's charts (ECharts). The page embeds its
// figures as JSON in <script type="application/json" id="stats-data">; every
// number drawn here is also in the page's tables, which work without it.
(function () {
  "use strict";
  var src = document.getElementById("stats-data");
  if (!src || !window.echarts) { return; }
  var d = JSON.parse(src.textContent);
  var L = d.labels || {};
  var blue = "#1f5fa8", grey = "#9aa7b6", green = "#2e7d4f", amber = "#b7791f", red = "#c0392b";
  var charts = [];

  // ECharts draws a missing value (a rate without a denominator) as a gap.
  function gaps(xs) { return (xs || []).map(function (x) { return x === null ? "-" : x; }); }

  function draw(name, option) {
    var box = document.querySelector('[data-chart="' + name + '"]');
    if (!box) { return; }
    var c = window.echarts.init(box, null, { renderer: "svg" });
    option.animation = false;
    option.tooltip = option.tooltip || { trigger: "axis" };
    option.legend = option.legend || { top: 0 };
    option.grid = option.grid || { left: 48, right: 48, top: 36, bottom: 28, containLabel: true };
    c.setOption(option);
    box.setAttribute("data-ready", "1");
    charts.push(c);
  }

  var pct = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };

  draw("monthly", {
    color: [blue, grey, amber],
    xAxis: { type: "category", data: d.months },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: L.received, type: "bar", data: d.received },
      { name: L.last_year, type: "bar", data: d.last_year },
      { name: L.change, type: "line", yAxisIndex: 1, data: gaps(d.change) }
    ]
  });

  draw("rates", {
    color: [blue, green, amber, red],
    xAxis: { type: "category", data: d.months },
    yAxis: pct,
    series: [
      { name: L.timely_rate, type: "line", data: gaps(d.timely) },
      { name: L.on_time_rate, type: "line", data: gaps(d.on_time) },
      { name: L.satisfaction, type: "line", data: gaps(d.satisfaction) },
      { name: L.participation, type: "line", data: gaps(d.participation) }
    ]
  });

  draw("categories", {
    color: [blue, "#4a90c8", green, amber, "#7b5ea7", "#3aa39a", red, grey],
    tooltip: { trigger: "item" },
    series: [{
      name: L.received, type: "pie", radius: ["35%", "65%"],
      data: (d.categories || []).map(function (n, i) { return { name: n, value: d.by_category[i] }; })
    }]
  });

  draw("districts", {
    color: [blue, green],
    xAxis: { type: "category", data: d.districts || [], axisLabel: { interval: 0, rotate: 30 } },
    yAxis: [{ type: "value", minInterval: 1 }, pct],
    series: [
      { name: L.received, type: "bar", data: d.by_district || [] },
      { name: L.satisfaction, type: "line", yAxisIndex: 1, data: gaps(d.district_satisfaction) }
    ]
  });

  draw("yoy", {
    color: [blue, grey],
    xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: L.this_year_complete, type: "bar", data: d.yoy_this },
      { name: L.last_year_complete, type: "bar", data: d.yoy_last }
    ]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
